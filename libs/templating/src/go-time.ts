/** time.Time as templates use it: {{datetime}} prints like Go, {{(datetime).Format "2006-01-02"}} formats with Go layouts. */
import { GoStruct } from './values';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** Go's layout tokens, longest first. */
const TOKENS: [string, (d: Date, utc: boolean) => string][] = [
  ['January', (d, u) => MONTHS[u ? d.getUTCMonth() : d.getMonth()]],
  ['Monday', (d, u) => DAYS[u ? d.getUTCDay() : d.getDay()]],
  ['2006', (d, u) => String(u ? d.getUTCFullYear() : d.getFullYear())],
  ['Z07:00', (d, u) => (u ? 'Z' : offset(d, true))],
  ['-07:00', (d, u) => (u ? '+00:00' : offset(d, true))],
  ['-0700', (d, u) => (u ? '+0000' : offset(d, false))],
  ['.000000000', (d) => `.${String(d.getMilliseconds()).padStart(3, '0')}000000`],
  ['.000000', (d) => `.${String(d.getMilliseconds()).padStart(3, '0')}000`],
  ['.000', (d) => `.${String(d.getMilliseconds()).padStart(3, '0')}`],
  ['Jan', (d, u) => MONTHS[u ? d.getUTCMonth() : d.getMonth()].slice(0, 3)],
  ['Mon', (d, u) => DAYS[u ? d.getUTCDay() : d.getDay()].slice(0, 3)],
  ['MST', (_d, u) => (u ? 'UTC' : Intl.DateTimeFormat('en', { timeZoneName: 'short' }).formatToParts(_d).find((x) => x.type === 'timeZoneName')?.value ?? 'UTC')],
  ['01', (d, u) => p2((u ? d.getUTCMonth() : d.getMonth()) + 1)],
  ['02', (d, u) => p2(u ? d.getUTCDate() : d.getDate())],
  ['_2', (d, u) => String(u ? d.getUTCDate() : d.getDate()).padStart(2, ' ')],
  ['15', (d, u) => p2(u ? d.getUTCHours() : d.getHours())],
  ['03', (d, u) => p2(((u ? d.getUTCHours() : d.getHours()) + 11) % 12 + 1)],
  ['04', (d, u) => p2(u ? d.getUTCMinutes() : d.getMinutes())],
  ['05', (d, u) => p2(u ? d.getUTCSeconds() : d.getSeconds())],
  ['06', (d, u) => p2((u ? d.getUTCFullYear() : d.getFullYear()) % 100)],
  ['PM', (d, u) => ((u ? d.getUTCHours() : d.getHours()) >= 12 ? 'PM' : 'AM')],
  ['pm', (d, u) => ((u ? d.getUTCHours() : d.getHours()) >= 12 ? 'pm' : 'am')],
  ['1', (d, u) => String((u ? d.getUTCMonth() : d.getMonth()) + 1)],
  ['2', (d, u) => String(u ? d.getUTCDate() : d.getDate())],
  ['3', (d, u) => String(((u ? d.getUTCHours() : d.getHours()) + 11) % 12 + 1)],
  ['4', (d, u) => String(u ? d.getUTCMinutes() : d.getMinutes())],
  ['5', (d, u) => String(u ? d.getUTCSeconds() : d.getSeconds())],
];

function offset(d: Date, colon: boolean): string {
  const minutes = -d.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `${sign}${p2(Math.floor(abs / 60))}${colon ? ':' : ''}${p2(abs % 60)}`;
}

export function formatGoLayout(date: Date, layout: string, utc: boolean): string {
  let out = '';
  for (let i = 0; i < layout.length; ) {
    const token = TOKENS.find(([t]) => layout.startsWith(t, i));
    if (token) {
      out += token[1](date, utc);
      i += token[0].length;
    } else out += layout[i++];
  }
  return out;
}

export class GoTime extends GoStruct {
  constructor(
    private readonly date: Date,
    private readonly utc = process.env.TZ === 'UTC' || new Date().getTimezoneOffset() === 0,
  ) {
    super();
  }
  fieldNames(): string[] {
    return [];
  }
  Format(layout: string): string {
    return formatGoLayout(this.date, layout, this.utc);
  }
  String(): string {
    return formatGoLayout(this.date, '2006-01-02 15:04:05.000000000 -0700 MST', this.utc);
  }
  UTC(): GoTime {
    return new GoTime(this.date, true);
  }
  Unix(): number {
    return Math.floor(this.date.getTime() / 1000);
  }
  Year(): number {
    return this.utc ? this.date.getUTCFullYear() : this.date.getFullYear();
  }
  Day(): number {
    return this.utc ? this.date.getUTCDate() : this.date.getDate();
  }
  Hour(): number {
    return this.utc ? this.date.getUTCHours() : this.date.getHours();
  }
}
