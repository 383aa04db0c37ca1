// What each sample user posts: the raw material videos.ts turns into about two dozen videos
// per user. `{x}` in a template is replaced by one of the subjects.

export interface VideoTheme {
  /** How many videos the user has posted, hidden ones included. */
  readonly count: number
  /** Newest-first positions of the videos held back by trust and safety review. */
  readonly underReview: readonly number[]
  readonly titles: readonly string[]
  readonly subjects: readonly string[]
  readonly hashtags: string
  /** Typical views per video, to scale the counts. */
  readonly reach: number
}

export const THEMES: Readonly<Record<string, VideoTheme>> = {
  somchai: {
    count: 26,
    underReview: [3, 7],
    titles: [
      'วิธีทำ{x}แบบง่ายๆ ที่บ้าน',
      '{x} street food in Bangkok',
      'รีวิว{x} ร้านดังเยาวราช',
      'ทำ{x}ให้แม่ชิม 🥹',
      '{x} in 60 seconds — สูตรคุณยาย',
      'ตลาดนัดกลางคืน: {x} จานละ 50 บาท'
    ],
    subjects: ['ผัดไทย', 'ต้มยำกุ้ง', 'ส้มตำ', 'ข้าวมันไก่', 'แกงเขียวหวาน', 'ข้าวซอย', 'มะม่วงข้าวเหนียว', 'หมูปิ้ง'],
    hashtags: '#อาหารไทย #thaifood #bangkok',
    reach: 2_000_000
  },
  emma: {
    count: 24,
    underReview: [3, 10],
    titles: [
      'Morning walk: {x}',
      'Is {x} worth it? Honest review',
      'A day in {x} <3 "no filter" & no plan',
      'Rainy {x} vlog',
      'Packing for {x}'
    ],
    subjects: ['Hyde Park', 'the Cotswolds', 'Brighton', 'Lake District', 'Edinburgh', 'Bath', 'Cornwall'],
    hashtags: '#walking #uk #slowliving',
    reach: 900
  },
  nok: {
    count: 23,
    underReview: [5, 6],
    titles: [
      'ออกแบบ{x}ใน Figma',
      'Speed drawing: {x} ✏️',
      'ไอเดีย{x} สำหรับมือใหม่',
      '{x} before / after'
    ],
    subjects: ['โลโก้ร้านกาแฟ', 'poster', 'ฟอนต์ไทย', 'app icon', 'สติกเกอร์ LINE', 'packaging'],
    hashtags: '#design #นักออกแบบ #graphicdesign',
    reach: 4_000
  }
}
