import { meanInterval, studentTQuantile } from "./stats";

describe("stats", () => {
  it("studentTQuantile matches t tables", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(studentTQuantile(0.975, 3)).toBeCloseTo(3.182, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.975, 29)).toBeCloseTo(2.045, 3);
    expect(studentTQuantile(0.975, 299)).toBeCloseTo(1.968, 3);
    expect(studentTQuantile(0.95, 5)).toBeCloseTo(2.015, 3);
  });

  it("meanInterval gives the mean and a Student-t 95% interval", () => {
    const m = meanInterval([1, 2, 3, 4]);
    expect(m.mean).toBe(2.5);
    expect(m.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(m.halfWidth).toBeCloseTo((3.182446 * Math.sqrt(5 / 3)) / 2, 3);
    expect(m.low).toBeCloseTo(2.5 - m.halfWidth, 12);
    const one = meanInterval([7]);
    expect(one.mean).toBe(7);
    expect(one.halfWidth).toBe(Infinity);
    expect(meanInterval([2, 2, 2]).halfWidth).toBe(0);
  });
});
