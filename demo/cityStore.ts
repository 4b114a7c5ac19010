/** A city as the demo API serves it. */
export interface City {
  id: number;
  name: string;
  country: string;
  population: number;
  version: number;
}

/**
 * The demo's "database": an in-memory table with a version per row and a table-wide update
 * counter, standing in for a real repository.
 */
export class CityStore {
  private readonly rows = new Map<number, City>();
  private nextId = 1;
  /** Bumped by every write: what `UpdatedAtKeyBit` reads (drf-extensions' idea). */
  updatedAt = 0;
  /** How many times each action really ran (the tour prints and checks these). */
  readonly runs: Record<string, number> = {};

  constructor() {
    for (const [name, country, population] of [
      ['Lisbon', 'PT', 545_000],
      ['Oslo', 'NO', 709_000],
      ['Kyoto', 'JP', 1_464_000],
    ] as const) {
      this.create({ name, country, population });
    }
  }

  count(action: string): void {
    this.runs[action] = (this.runs[action] ?? 0) + 1;
  }

  list(country?: string): City[] {
    return [...this.rows.values()].filter((city) => !country || city.country === country);
  }

  get(id: number): City | undefined {
    return this.rows.get(id);
  }

  create(fields: Omit<City, 'id' | 'version'>): City {
    const city = { id: this.nextId++, version: 1, ...fields };
    this.rows.set(city.id, city);
    this.updatedAt++;
    return city;
  }

  update(id: number, fields: Partial<Omit<City, 'id' | 'version'>>): City | undefined {
    const city = this.rows.get(id);
    if (!city) return undefined;
    Object.assign(city, fields, { version: city.version + 1 });
    this.updatedAt++;
    return city;
  }
}

/** The one store the demo app uses. */
export const cityStore = new CityStore();
