import t from 'tap'
import { FIELDS, SCOPES, fieldsOfScope, isField, isScope } from '../../src/scopes/catalogue.js'

t.test('the catalogue has TikTok\'s 14 user fields and 6 scopes', async (t) => {
  t.equal(FIELDS.length, 14)
  t.equal(SCOPES.length, 6)
  t.ok(isField('follower_count'))
  t.notOk(isField('email'))
  t.ok(isScope('video.list'))
  t.notOk(isScope('user.info.email'))
  t.same(fieldsOfScope('video.list'), [])
  t.same(fieldsOfScope('user.info.stats'), ['follower_count', 'following_count', 'likes_count', 'video_count'])
})
