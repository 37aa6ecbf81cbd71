/**
 * The JSON Schema of report.json (`bnlenet reproduce`), for CI jobs that read it. The suite
 * validates every report.json it makes against it.
 */
import { recipeSchemaProperties, recipeSchemaRequired } from '../model/run-args';

const number = { type: 'number' } as const;
const string = { type: 'string' } as const;

export const REPRODUCE_REPORT_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'bnlenet reproduce report.json',
  type: 'object',
  required: ['format', 'passed', 'verdict', 'bookRecipe', 'recipeDifferences', 'recipe', 'tolerances', 'checks', 'speed', 'reference', 'command', 'versions', 'machine', 'backend', 'date'],
  additionalProperties: false,
  properties: {
    format: { const: 'bnlenet-reproduce/1' },
    passed: { type: 'boolean' },
    verdict: string,
    bookRecipe: { type: 'boolean', description: "false when the recipe was smaller than the book's (a pass is then no reproduction)" },
    recipeDifferences: { type: 'array', items: string },
    // The run arguments but impl (a reproduction trains both BatchNorms), from the table of run arguments.
    recipe: { type: 'object', required: recipeSchemaRequired(), properties: recipeSchemaProperties() },
    tolerances: {
      type: 'object',
      required: ['maxLoss', 'minTrainAcc', 'minTestAcc'],
      additionalProperties: false,
      properties: { maxLoss: number, minTrainAcc: number, minTestAcc: number },
    },
    checks: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['variant', 'check', 'label', 'measured', 'direction', 'limit', 'flag', 'book', 'reference', 'pass'],
        additionalProperties: false,
        properties: {
          variant: { enum: ['custom', 'builtin'] },
          check: { enum: ['loss', 'trainAcc', 'testAcc'] },
          label: string,
          measured: { type: ['number', 'null'] },
          direction: { enum: ['max', 'min'] },
          limit: number,
          flag: string,
          book: number,
          reference: number,
          pass: { type: 'boolean' },
        },
      },
    },
    speed: {
      type: 'object',
      required: ['device', 'examplesPerSec', 'ratioCustomToBuiltin'],
      properties: {
        device: string,
        examplesPerSec: { type: 'object', required: ['custom', 'builtin'], properties: { custom: number, builtin: number } },
        ratioCustomToBuiltin: number,
      },
    },
    reference: { type: 'object', required: ['source', 'examplesPerSecOpenBlas'] },
    command: { type: 'array', minItems: 1, items: string },
    versions: { type: 'object', required: ['bnlenet', 'node'], additionalProperties: string },
    gitCommit: { type: 'string', pattern: '^[0-9a-f]{40}$' },
    machine: {
      type: 'object',
      required: ['cpu', 'cores', 'memoryGiB', 'platform'],
      properties: { cpu: string, cores: number, memoryGiB: number, platform: string },
    },
    backend: { type: 'object', required: ['name', 'device'], properties: { name: string, device: string } },
    date: { type: 'string', format: 'date-time' },
  },
} as const;
