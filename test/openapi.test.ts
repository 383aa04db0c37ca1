import t from 'tap'
import { readFileSync } from 'node:fs'
import { generateOpenApi } from '../scripts/openapi-doc.js'
import { FIELDS, bilingual } from '../src/scopes/catalogue.js'

t.test('the committed OpenAPI document is what the code generates (run `npm run openapi`)', async (t) => {
  const { json, yaml } = await generateOpenApi()
  t.equal(readFileSync('openapi/openapi.json', 'utf8'), json, 'openapi/openapi.json is current')
  t.equal(readFileSync('openapi/openapi.yaml', 'utf8'), yaml, 'openapi/openapi.yaml is current')
})

t.test('every user field carries its scope and its English and Thai text', async (t) => {
  const doc = JSON.parse(readFileSync('openapi/openapi.json', 'utf8'))
  const user = doc.paths['/me'].get.responses['200'].content['application/json'].schema.properties.data.properties.user
  for (const f of FIELDS) {
    t.equal(user.properties[f.field]['x-tiktok-scope'], f.scope, `${f.field} scope`)
    t.equal(user.properties[f.field].description, bilingual(f), `${f.field} description`)
    if (f.type === 'int64') t.equal(user.properties[f.field].type, 'integer', `${f.field} is an integer`)
  }
  t.equal(user.properties.follower_count.description, 'User\'s followers count.\nจำนวนผู้ติดตาม')
  const me = doc.paths['/me'].get
  const fields = me.parameters.find((p: { name: string }) => p.name === 'fields')
  for (const f of FIELDS) t.match(fields.description ?? fields.schema.description, f.field)
  for (const status of ['400', '401', '403', '429', '500', '502', '503', '504']) {
    const example = me.responses[status]?.content['application/json']?.schema?.examples?.[0] ?? me.responses[status]?.content['application/json']?.example
    t.ok(example?.error?.code, `/me documents ${status} with an example envelope`)
  }
})
