/**
 * Applies a method decorator to a fresh `Probe.method`, the way TypeScript does when a class is
 * defined: for tests of what a decorator checks when it is applied.
 */
export function decorate(decorator: MethodDecorator): void {
  class Probe {
    method(): void {}
  }
  const descriptor = Object.getOwnPropertyDescriptor(Probe.prototype, 'method')!;
  decorator(Probe.prototype, 'method', descriptor);
}
