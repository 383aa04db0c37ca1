import { writeFileSync, mkdirSync } from 'node:fs'
import { generateOpenApi } from './openapi-doc.js'

// `npm run openapi`: regenerates openapi/openapi.json and openapi/openapi.yaml from the code.
const { json, yaml } = await generateOpenApi()
mkdirSync('openapi', { recursive: true })
writeFileSync('openapi/openapi.json', json)
writeFileSync('openapi/openapi.yaml', yaml)
console.log('wrote openapi/openapi.json and openapi/openapi.yaml')
