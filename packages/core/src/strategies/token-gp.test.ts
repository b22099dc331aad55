import { normalQuantile, normalScores, TokenGp } from "./token-gp";

describe("token-gp", () => {
  it("normalQuantile matches known quantiles", () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 6);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959963985, 6);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306, 6);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it("normalScores keep the order, share ties and ignore the scale", () => {
    const z = normalScores([3, 1, 2, 2]);
    expect(z[1]).toBeLessThan(z[2] as number);
    expect(z[2]).toBe(z[3]);
    expect(z[0]).toBeGreaterThan(z[2] as number);
    expect(normalScores([300, 100, 200, 200])).toEqual(z);
  });

  it("ranks unseen points like the data around them", () => {
    // Reward = number of positions equal to 2: a point with more 2s should be predicted higher.
    const pts: number[][] = [];
    for (let a = 0; a < 3; a++)
      for (let b = 0; b < 3; b++) for (let c = 0; c < 3; c++) pts.push([a, b, c, 0]);
    const reward = (t: readonly number[]) => t.filter((v) => v === 2).length;
    const train = pts.filter((_, i) => i % 2 === 0);
    const gp = TokenGp.fit(train, train.map(reward));
    expect(gp.mean([2, 2, 2, 1])).toBeGreaterThan(gp.mean([2, 2, 0, 1]));
    expect(gp.mean([2, 2, 0, 1])).toBeGreaterThan(gp.mean([0, 0, 1, 1]));
    // Exact data is interpolated (the smallest noise wins the marginal likelihood).
    expect(gp.noise).toBeLessThanOrEqual(0.01);
  });

  it("smooths noisy data with a larger noise term", () => {
    const pts: number[][] = [];
    for (let i = 0; i < 40; i++) pts.push([i % 5, Math.floor(i / 5) % 4, i % 3]);
    let x = 1;
    const noise = () => ((x = (x * 48271) % 2147483647) / 2147483647 - 0.5) * 4;
    const gp = TokenGp.fit(
      pts,
      pts.map((t) => (t[0] as number) + noise()),
    );
    expect(gp.noise).toBeGreaterThanOrEqual(0.1);
  });

  it("fits a single point and duplicated points without failing", () => {
    expect(TokenGp.fit([[1, 2]], [5]).mean([1, 2])).toBeCloseTo(0, 9);
    const gp = TokenGp.fit(
      [
        [1, 2],
        [1, 2],
        [0, 0],
      ],
      [1, 1, 0],
    );
    expect(gp.mean([1, 2])).toBeGreaterThan(gp.mean([0, 0]));
  });
});
