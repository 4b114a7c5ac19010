/** An order as the demo API stores it. */
export interface Order {
  id: number;
  cityId: number;
  tickets: number;
}

/** The demo's order book: creating an order is the unsafe, non-idempotent action worth protecting. */
export class OrderStore {
  private readonly orders: Order[] = [];
  /** Gate the tour holds closed to keep a POST in flight while duplicates arrive. */
  gate: Promise<void> = Promise.resolve();

  place(cityId: number, tickets: number): Order {
    const order = { id: this.orders.length + 1, cityId, tickets };
    this.orders.push(order);
    return order;
  }

  /** How many orders were really placed. */
  get count(): number {
    return this.orders.length;
  }
}

/** The one order book the demo app uses. */
export const orderStore = new OrderStore();
