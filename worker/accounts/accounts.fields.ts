import { z } from 'zod'

/**
 * The record schemas of the Account API, written once and used for validation, the CSV templates
 * (`entityFields`) and the OpenAPI document. Each issue message is the "expecting ..." phrase that
 * `accounts.validate.ts` wraps into the Natero wire message.
 */

/** The three record kinds the Account API writes. */
export type Entity = 'accounts' | 'account_users' | 'account_contacts'

/** Every entity, in the order menus and templates list them. */
export const entities: readonly Entity[] = ['accounts', 'account_users', 'account_contacts']

/** Maximum characters of an id or a custom dimension key. */
export const MAX_ID_LENGTH = 255
/** Maximum characters of a text field or text dimension value. */
export const MAX_TEXT_LENGTH = 4000
/** Maximum items in one list field, such as a custom dimension list or stage_history. */
export const MAX_LIST_ITEMS = 500

const id = (description: string, example: string) =>
  z
    .string({ error: 'string id' })
    .min(1, { error: 'non-empty string id' })
    .max(MAX_ID_LENGTH, { error: `string id of at most ${MAX_ID_LENGTH} characters` })
    .meta({ description, examples: [example] })

const text = (description: string, example: string) =>
  z
    .string({ error: 'string' })
    .max(MAX_TEXT_LENGTH, { error: `string of at most ${MAX_TEXT_LENGTH} characters` })
    .nullable()
    .optional()
    .meta({ description, examples: [example] })

const timestampBase = () =>
  z.int({ error: 'timestamp' }).min(0, { error: 'timestamp' }).meta({ format: 'epoch-ms' })

const timestamp = (description: string, example = 1598907978483) =>
  timestampBase()
    .nullable()
    .optional()
    .meta({
      description: `${description} Epoch milliseconds.`,
      format: 'epoch-ms',
      examples: [example],
    })

const number = (description: string, example: number) =>
  z
    .number({ error: 'number' })
    .nullable()
    .optional()
    .meta({ description, examples: [example] })

const boolean = (description: string, example: boolean) =>
  z
    .boolean({ error: 'boolean' })
    .nullable()
    .optional()
    .meta({ description, examples: [example] })

const list = <T extends z.ZodType>(item: T, description: string) =>
  z
    .array(item, { error: 'array' })
    .max(MAX_LIST_ITEMS, { error: `array of at most ${MAX_LIST_ITEMS} items` })
    .optional()
    .meta({ description })

const dimension = <T extends z.ZodType>(value: T) =>
  z.strictObject({
    key: z
      .string({ error: 'string key' })
      .min(1, { error: 'non-empty string key' })
      .max(MAX_ID_LENGTH, { error: `string key of at most ${MAX_ID_LENGTH} characters` }),
    value: value.nullable(),
  })

/** Custom dimensions, shared by all three entities. A null value deletes that key. */
const customDimensions = {
  custom_label_dimensions: list(
    dimension(z.string({ error: 'string' }).max(MAX_TEXT_LENGTH)),
    'Text custom dimensions as [{key, value}]. Merged per key; a null value deletes the key.',
  ),
  custom_value_dimensions: list(
    dimension(z.number({ error: 'number' })),
    'Numeric custom dimensions as [{key, value}]. Merged per key; a null value deletes the key.',
  ),
  custom_event_dimensions: list(
    dimension(timestampBase()),
    'Date custom dimensions as [{key, value}] with epoch-millisecond values. Merged per key.',
  ),
}

const mailing = {
  mailing_street: text('Mailing street.', '1 Main St'),
  mailing_city: text('Mailing city.', 'Springfield'),
  mailing_state: text('Mailing state or region.', 'IL'),
  mailing_postal_code: text('Mailing postal code.', '62701'),
  mailing_country: text('Mailing country.', 'US'),
}

const person = {
  first_name: text('First name.', 'Ada'),
  last_name: text('Last name.', 'Lovelace'),
  phone: text('Phone number.', '+1 555 0100'),
  email: text('Email address.', 'ada@example.com'),
  salutation: text('Salutation.', 'Dr.'),
  title: text('Job title.', 'CTO'),
  role: text('Role at the account.', 'Decision maker'),
  department: text('Department.', 'Engineering'),
  lead_source: text('Lead source.', 'Web'),
  source: text('System the record came from.', 'salesforce'),
  is_active: boolean('Whether the record is active. DELETE also sets it to false.', true),
  ...mailing,
}

const accountShape = {
  account_id: id('Your id for the account; matched as an exact, case-sensitive string.', 'acme'),
  name: z
    .string({ error: 'string' })
    .min(1, { error: 'non-empty string' })
    .max(MAX_TEXT_LENGTH, { error: `string of at most ${MAX_TEXT_LENGTH} characters` })
    .meta({ description: 'Account name.', examples: ['Acme Corp'] }),
  join_date: timestampBase().meta({
    description: 'When the account became a customer. Epoch milliseconds.',
    format: 'epoch-ms',
    examples: [1598907978483],
  }),
  renewal_date: timestamp('Next renewal date.'),
  billing_account_id: text('Id of the account in the billing system.', 'cus_123'),
  support_account_id: text('Id of the account in the support system.', '360001'),
  crm_account_id: text('Id of the account in the CRM.', '0015g00000XyZ'),
  billing_street: text('Billing street.', '1 Main St'),
  billing_city: text('Billing city.', 'Springfield'),
  billing_postal_code: text('Billing postal code.', '62701'),
  billing_state: text('Billing state or region.', 'IL'),
  billing_country: text('Billing country.', 'US'),
  phone: text('Phone number.', '+1 555 0100'),
  employees: number('Number of employees.', 250),
  industry: text('Industry.', 'Software'),
  tier: text('Customer tier.', 'Enterprise'),
  csm_score: number('Score given by the customer success manager.', 8),
  current_nps_score: number('Latest net promoter score.', 9),
  current_mrr: number('Current monthly recurring revenue.', 1200.5),
  sales_rep_name: text('Sales representative name.', 'Sam Seller'),
  sales_rep_email: text('Sales representative email.', 'sam@example.com'),
  source: text('System the record came from.', 'salesforce'),
  stage: text('Lifecycle stage.', 'Onboarding'),
  current_stage: text('Lifecycle stage (Freshsuccess name).', 'Onboarding'),
  website: text('Website URL.', 'https://acme.example'),
  description: text('Free-text description.', 'Key account'),
  region: text('Sales region.', 'EMEA'),
  state: text('Account state.', 'active'),
  is_deleted: boolean('Whether the account is deleted in the source system.', false),
  is_churned: boolean('Whether the account has churned.', false),
  inactive_time: timestamp('When the account became inactive.'),
  inactive_reason: text('Why the account became inactive.', 'Budget cut'),
  parent_account_id: text('account_id of the parent account.', 'acme-holdings'),
  hierarchy_label: text('Label of the account in its hierarchy.', 'Subsidiary'),
  latest_status_title: text('Title of the latest status note.', 'Renewal at risk'),
  latest_status_details: text('Details of the latest status note.', 'Champion left'),
  latest_status_date: timestamp('Date of the latest status note.'),
  is_active: boolean('Whether the account is active. DELETE also sets it to false.', true),
  // NOTE: the emails are stored as sent; nothing checks that each names a console user yet.
  assigned_csms: list(
    z.strictObject({ email: z.string({ error: 'string' }).min(1).max(MAX_ID_LENGTH) }),
    'Customer success managers as [{email}]. Replaces the stored list.',
  ),
  stage_history: list(
    z.strictObject({
      name: z.string({ error: 'string' }).max(MAX_TEXT_LENGTH),
      start_date: timestampBase(),
      end_date: timestampBase().nullable().optional(),
    }),
    'Stage history as [{name, start_date, end_date}]. Replaces the stored list.',
  ),
  nps_history: list(
    z.strictObject({
      nps_score: z.number({ error: 'number' }),
      date: timestampBase(),
      username: z.string({ error: 'string' }).max(MAX_TEXT_LENGTH).optional(),
      survey_name: z.string({ error: 'string' }).max(MAX_TEXT_LENGTH).optional(),
      comments: z.string({ error: 'string' }).max(MAX_TEXT_LENGTH).optional(),
    }),
    'NPS responses as [{nps_score, date, username, survey_name, comments}]. Replaces the list.',
  ),
  documents: list(
    z.strictObject({
      name: z.string({ error: 'string' }).max(MAX_TEXT_LENGTH),
      url: z.string({ error: 'string' }).max(MAX_TEXT_LENGTH),
      description: z.string({ error: 'string' }).max(MAX_TEXT_LENGTH).optional(),
    }),
    'Documents as [{name, url, description}]. Replaces the stored list.',
  ),
  ...customDimensions,
}

const memberKeys = {
  user_id: id('Your id for the person; matched as an exact, case-sensitive string.', 'u-42'),
  account_id: id('account_id of an existing account in this org.', 'acme'),
}

/** Writable fields of each entity; unknown keys are rejected. */
export const recordSchemas = {
  accounts: z.strictObject(accountShape),
  account_users: z.strictObject({
    ...memberKeys,
    ...person,
    contact_user_id: text('user_id of the matching CRM contact.', 'c-42'),
    mobile_phone: text('Mobile phone number.', '+1 555 0101'),
    product_join_date: timestamp('When the user first used the product.'),
    ...customDimensions,
  }),
  account_contacts: z.strictObject({
    ...memberKeys,
    ...person,
    is_primary: boolean('Whether this is the primary contact of the account.', true),
    email_opt_out: boolean('Whether the contact opted out of email.', false),
    ...customDimensions,
  }),
} satisfies Record<Entity, z.ZodObject>

/** Fields the API computes. A record that sends one gets a read-only error, not "unknown field". */
export const readOnlyFields: Record<Entity, readonly string[]> = {
  accounts: ['current_health_score', 'is_leaf', 'created_at', 'updated_at'],
  account_users: ['created_at', 'updated_at'],
  account_contacts: ['created_at', 'updated_at'],
}

/** Fields required when a record is inserted. Updates of an existing account need only the keys. */
export const insertRequired: Record<Entity, readonly string[]> = {
  accounts: ['account_id', 'name', 'join_date'],
  account_users: ['user_id', 'account_id'],
  account_contacts: ['user_id', 'account_id'],
}

/** The columns each entity's list can be ordered by. */
export const orderColumns: Record<Entity, readonly string[]> = {
  accounts: ['account_id', 'name', 'join_date', 'updated_at', 'created_at'],
  account_users: ['user_id', 'account_id', 'updated_at', 'created_at'],
  account_contacts: ['user_id', 'account_id', 'updated_at', 'created_at'],
}

/** One field as the CSV templates and field previews describe it. */
export interface FieldSpec {
  name: string
  required: boolean
  /** JSON type: string, number, integer, boolean or array. */
  type: string
  /** `epoch-ms` for timestamps, otherwise null. */
  format: string | null
  example: unknown
  description: string
}

interface JsonSchemaField {
  type?: string | string[]
  format?: string
  description?: string
  examples?: unknown[]
}

/** Lists an entity's writable fields, derived from the same schema the API validates with. */
export function entityFields(entity: Entity): FieldSpec[] {
  const jsonSchema = z.toJSONSchema(recordSchemas[entity], { io: 'input' }) as {
    properties: Record<string, JsonSchemaField>
  }
  return Object.entries(jsonSchema.properties).map(([name, field]) => {
    const types = Array.isArray(field.type) ? field.type : [field.type ?? 'string']
    return {
      name,
      required: insertRequired[entity].includes(name),
      type: types.find((type) => type !== 'null') ?? 'string',
      format: field.format ?? null,
      example: field.examples?.[0] ?? null,
      description: field.description ?? '',
    }
  })
}
