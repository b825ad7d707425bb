import type { z } from 'zod'

/** Plain sentences from zod issues, for tRPC input errors and schema messages. */

/** Names a value's JSON type as messages quote it: "number", "null", "array", "string". */
export function typeOfValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  return typeof value
}

const articles: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
}

/**
 * A zod `error` option for a field that is required and must have one type: a missing value gets
 * `whenMissing`, a wrong type gets "<field> must be a string, got number." `expected` is a key of
 * the article table (string, number, boolean, ...) or a phrase.
 */
export function typeError(field: string, expected: string, whenMissing: string) {
  return (issue: { input?: unknown }) =>
    issue.input === undefined
      ? whenMissing
      : `${field} must be ${articles[expected] ?? expected}, got ${typeOfValue(issue.input)}.`
}

// Zod's own messages begin like this; any other message was written for the schema and is kept.
const defaultMessage = /^(Invalid|Too (small|big)|Unrecognized key)/

function formatPath(path: PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : String(part))).join('.')
}

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let value = input
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<PropertyKey, unknown>)[part]
  }
  return value
}

function bound(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum
  const word = issue.code === 'too_big' ? 'at most' : 'at least'
  if (issue.origin === 'string') return `must be ${word} ${String(limit)} characters long`
  if (issue.origin === 'array')
    return `must have ${word} ${String(limit)} item${Number(limit) === 1 ? '' : 's'}`
  return `must be ${word} ${String(limit)}`
}

/** Describes one issue as "<path>: <problem>", or the schema's own message when it has one. */
export function describeIssue(issue: z.core.$ZodIssue, input?: unknown): string {
  if (!defaultMessage.test(issue.message)) return issue.message.replace(/\.$/, '')
  const path = formatPath(issue.path) || 'input'
  const value = valueAt(input, issue.path)
  switch (issue.code) {
    case 'invalid_type': {
      if (input !== undefined && value === undefined) return `${path}: is required`
      const got =
        input === undefined ? /received (\w+)/.exec(issue.message)?.[1] : typeOfValue(value)
      return `${path}: must be ${articles[issue.expected] ?? issue.expected}, got ${got ?? 'another type'}`
    }
    case 'too_big':
    case 'too_small':
      return `${path}: ${bound(issue)}`
    case 'invalid_value':
      return `${path}: must be one of ${issue.values.map((item) => JSON.stringify(item)).join(', ')}, got ${JSON.stringify(value) ?? 'nothing'}`
    case 'unrecognized_keys':
      return `${path}: unknown field(s) ${issue.keys.map((key) => `'${key}'`).join(', ')}; remove them`
    default:
      return `${path}: ${issue.message}`
  }
}

/** Joins the issues of a failed parse into one sentence for `error.message`. */
export function describeZodError(error: z.ZodError, input?: unknown): string {
  const parts = error.issues.map((issue) => describeIssue(issue, input))
  return `${parts.join('; ')}.`
}
