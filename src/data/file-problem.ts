/**
 * A DataError about one file's bytes, keeping the "where" (file, and source) apart from the
 * "what", so a list of failed sources can say each problem once without repeating the file.
 */
import { DataError } from '../errors';

export class FileProblem extends DataError {
  constructor(
    readonly where: string,
    readonly problem: string,
    hint?: string,
  ) {
    super(`${where}: ${problem}`, hint);
    this.name = 'FileProblem';
  }
}
