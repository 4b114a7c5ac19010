/** A weather forecast as the demo API serves it. */
export interface Forecast {
  city: string;
  sky: 'sun' | 'cloud' | 'rain' | 'storm';
  highC: number;
}

/**
 * The demo's weather service: an in-memory table that can be switched "down" (every read throws),
 * so the tour can show a stale forecast standing in for an outage.
 */
export class ForecastStore {
  private readonly rows = new Map<string, Forecast>();
  /** While true, reading a forecast throws, as an unreachable upstream service would. */
  down = false;
  /** How many times each action really ran (the tour checks these). */
  readonly runs: Record<string, number> = {};

  constructor() {
    for (const [city, sky, highC] of [
      ['lisbon', 'sun', 24],
      ['oslo', 'cloud', 12],
      ['paris', 'rain', 17],
      ['reykjavik', 'storm', 6],
    ] as const) {
      this.rows.set(city, { city, sky, highC });
    }
  }

  count(action: string): number {
    return (this.runs[action] = (this.runs[action] ?? 0) + 1);
  }

  list(sky?: string): Forecast[] {
    return [...this.rows.values()].filter((forecast) => !sky || forecast.sky === sky);
  }

  get(city: string): Forecast | undefined {
    if (this.down) throw new Error('the weather service is down');
    return this.rows.get(city);
  }

  update(city: string, fields: Partial<Omit<Forecast, 'city'>>): Forecast | undefined {
    const forecast = this.rows.get(city);
    if (forecast) Object.assign(forecast, fields);
    return forecast;
  }
}

/** The one weather service the demo app uses. */
export const forecastStore = new ForecastStore();
