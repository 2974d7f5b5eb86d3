/** What every report shares: its period (checked), and how a share is shown. */
import { Field, InputType } from 'type-graphql';
import { DomainError } from '../../../schema/errors';

const DAY_MS = 24 * 3600_000;
/** The longest period one report covers (two years and a day: the benchmark's span). */
export const MAX_REPORT_PERIOD_MS = 731 * DAY_MS;

@InputType('ReportPeriod', { description: 'From (inclusive) to (exclusive)' })
export class ReportPeriod {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;
}

/** `part` of `whole` in percent, to one decimal; null when there is nothing to count. */
export const percent = (part: number, whole: number): number | null => (whole ? Math.round((part / whole) * 1000) / 10 : null);

/** Minutes to one decimal; null stays null. */
export const minutes = (value: number | null): number | null => (value === null ? null : Math.round(value * 10) / 10);

/** A report's period, checked: it ends after it starts and covers at most two years. */
export function checkedPeriod(period: ReportPeriod, field = 'period'): { from: Date; to: Date } {
  const { from, to } = period;
  if (Number.isNaN(from.getTime())) throw DomainError.badUserInput(`${field}.from is not a date`, `${field}.from`);
  if (Number.isNaN(to.getTime())) throw DomainError.badUserInput(`${field}.to is not a date`, `${field}.to`);
  if (to.getTime() <= from.getTime()) throw DomainError.badUserInput(`${field}.to must be after ${field}.from`, `${field}.to`);
  if (to.getTime() - from.getTime() > MAX_REPORT_PERIOD_MS) throw DomainError.badUserInput('A report covers at most two years', `${field}.to`);
  return { from, to };
}
