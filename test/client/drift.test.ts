import { readFileSync } from 'node:fs'
import t from 'tap'
import { SCHEMA_FILE, generateClientSchema } from '../../clients/typescript/generate.js'

t.test('the committed typed client is what openapi/openapi.json generates (run `npm run client`)', async (t) => {
  t.equal(readFileSync(SCHEMA_FILE, 'utf8'), await generateClientSchema(), 'clients/typescript/schema.d.ts is current')
})
