import { z } from 'zod'

import { type Entity, orderColumns, recordSchemas } from './accounts.fields'
import { MAX_BODY_BYTES, MAX_PAGE, MAX_RECORDS_PER_REQUEST } from './accounts.http'
import { MAX_PAGE_SIZE } from './accounts.queries'

/**
 * The OpenAPI 3.1 document of the Account API. Record schemas come from the zod schemas the API
 * validates with, so the document cannot drift from the validation.
 */

const labels: Record<Entity, string> = {
  accounts: 'Account',
  account_users: 'AccountUser',
  account_contacts: 'AccountContact',
}

function recordJsonSchema(entity: Entity) {
  const schema = z.toJSONSchema(recordSchemas[entity], { io: 'input', target: 'draft-2020-12' })
  delete (schema as { $schema?: string }).$schema
  return schema
}

const failure = {
  type: 'object',
  properties: {
    record: { type: 'integer', description: '0-based index of the record in `records`.' },
    account_id: { type: ['string', 'null'] },
    user_id: { type: ['string', 'null'], description: 'Users and contacts only.' },
    message: { type: 'string' },
  },
  required: ['record', 'account_id', 'message'],
}

const envelope = (entity: Entity) => ({
  type: 'object',
  properties: {
    status_is_ok: {
      type: 'boolean',
      description: 'False when the whole request was rejected and nothing was written.',
    },
    results: { type: 'array', items: { $ref: `#/components/schemas/${labels[entity]}` } },
    failed_results: { type: 'array', items: { $ref: '#/components/schemas/FailedRecord' } },
    message: { type: 'string' },
    current_page: { type: 'integer' },
    max_page_size: { type: 'integer', const: MAX_PAGE_SIZE },
  },
  required: ['status_is_ok'],
})

const errorStatuses = {
  '400': 'Malformed JSON, a body that is not `{"records": [...]}`, or an invalid query parameter.',
  '401': 'Missing or invalid API key.',
  '404': 'No record with that id in this org.',
  '413': `Body over ${MAX_BODY_BYTES} bytes or more than ${MAX_RECORDS_PER_REQUEST} records.`,
  '415': 'Content-Type is not application/json.',
}

function responses(entity: Entity, codes: (keyof typeof errorStatuses)[]) {
  const content = {
    'application/json': { schema: { $ref: `#/components/schemas/${labels[entity]}Envelope` } },
  }
  const result: Record<string, unknown> = { '200': { description: 'Success.', content } }
  for (const code of codes) result[code] = { description: errorStatuses[code], content }
  return result
}

function listParameters(entity: Entity) {
  return [
    {
      name: 'page',
      in: 'query',
      schema: { type: 'integer', minimum: 0, maximum: MAX_PAGE, default: 0 },
    },
    {
      name: 'order_by',
      in: 'query',
      schema: { type: 'string', enum: ['id', ...orderColumns[entity]] },
    },
    { name: 'direction', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
    {
      name: 'include_inactive',
      in: 'query',
      description: '`true`, `false`, or an integer (0 is false). Anything else means false.',
      schema: { type: 'string' },
    },
  ]
}

const pathParameter = (name: string) => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string' },
})

function bulkBody(entity: Entity) {
  return {
    required: true,
    content: {
      'application/json': {
        schema: {
          type: 'object',
          properties: {
            records: {
              type: 'array',
              minItems: 1,
              maxItems: MAX_RECORDS_PER_REQUEST,
              items: { $ref: `#/components/schemas/${labels[entity]}` },
            },
          },
          required: ['records'],
        },
      },
    },
  }
}

const dataBody = {
  required: true,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        properties: { data: { type: 'object', description: 'Fields to change.' } },
        required: ['data'],
      },
    },
  },
}

function collectionPaths(entity: Entity) {
  return {
    get: {
      summary: `List ${entity}`,
      parameters: listParameters(entity),
      responses: responses(entity, ['400', '401']),
    },
    post: {
      summary: `Insert or update ${entity} in bulk`,
      requestBody: bulkBody(entity),
      responses: responses(entity, ['400', '401', '413', '415']),
    },
  }
}

function itemPaths(entity: Entity, parameters: unknown[]) {
  return {
    parameters,
    get: { summary: `Get one of ${entity}`, responses: responses(entity, ['401', '404']) },
    put: {
      summary: `Update one of ${entity}`,
      requestBody: dataBody,
      responses: responses(entity, ['400', '401', '404', '413', '415']),
    },
    delete: {
      summary: `Deactivate (is_active = false)`,
      responses: responses(entity, ['401', '404']),
    },
  }
}

function dimensionPath(kind: string) {
  return {
    delete: {
      summary: `Delete one ${kind} custom dimension of an account`,
      parameters: [pathParameter('account_id'), pathParameter('key')],
      responses: responses('accounts', ['401', '404']),
    },
  }
}

/** Builds the OpenAPI 3.1 document, with `origin` as the server. */
export function buildOpenApiDocument(origin: string) {
  const schemas: Record<string, unknown> = { FailedRecord: failure }
  for (const entity of ['accounts', 'account_users', 'account_contacts'] as const) {
    schemas[labels[entity]] = recordJsonSchema(entity)
    schemas[`${labels[entity]}Envelope`] = envelope(entity)
  }
  const userKey = [pathParameter('user_id')]
  const userAccountKey = [pathParameter('user_id'), pathParameter('account_id')]

  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard Account API',
      version: '2',
      description:
        'Natero-compatible Account API. Timestamps are epoch milliseconds; ids are case-sensitive strings.',
    },
    servers: [{ url: `${origin}/api/v2` }],
    security: [{ apiKeyQuery: [] }, { basic: [] }, { bearer: [] }],
    paths: {
      '/accounts': collectionPaths('accounts'),
      '/accounts/{account_id}': itemPaths('accounts', [pathParameter('account_id')]),
      '/accounts/{account_id}/users': {
        get: {
          summary: 'List the users of an account',
          parameters: [pathParameter('account_id'), ...listParameters('account_users')],
          responses: responses('account_users', ['400', '401', '404']),
        },
      },
      '/accounts/{account_id}/contacts': {
        get: {
          summary: 'List the contacts of an account',
          parameters: [pathParameter('account_id'), ...listParameters('account_contacts')],
          responses: responses('account_contacts', ['400', '401', '404']),
        },
      },
      '/accounts/{account_id}/dimension_labels/{key}': dimensionPath('text'),
      '/accounts/{account_id}/dimension_values/{key}': dimensionPath('numeric'),
      '/account_users': collectionPaths('account_users'),
      '/account_users/{user_id}': itemPaths('account_users', userKey),
      '/account_users/{user_id}/{account_id}': itemPaths('account_users', userAccountKey),
      '/account_contacts': collectionPaths('account_contacts'),
      '/account_contacts/{user_id}': itemPaths('account_contacts', userKey),
      '/account_contacts/{user_id}/{account_id}': itemPaths('account_contacts', userAccountKey),
    },
    components: {
      schemas,
      securitySchemes: {
        apiKeyQuery: { type: 'apiKey', in: 'query', name: 'api_key' },
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'User name `api`, password the API key.',
        },
        bearer: { type: 'http', scheme: 'bearer' },
      },
    },
  }
}
