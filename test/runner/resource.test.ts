import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nextValue, ProtectedResource } from "../../runner/resource.js";

describe("ProtectedResource", () => {
  it("starts each key's register, set and counter empty, and reads back what was written", () => {
    const r = new ProtectedResource(false);
    expect(r.read({ key: "k", resource: "register" })).toEqual({ type: "ok", result: null });
    expect(r.read({ key: "k", resource: "set" })).toEqual({ type: "ok", result: [] });
    expect(r.read({ key: "k", resource: "counter" })).toEqual({ type: "ok", result: 0 });
    r.write({ key: "k", resource: "set" }, [3, 1]);
    r.write({ key: "k", resource: "counter" }, 5);
    expect(r.read({ key: "k", resource: "set" })).toEqual({ type: "ok", result: [1, 3] });
    expect(r.read({ key: "k", resource: "counter" })).toEqual({ type: "ok", result: 5 });
    expect(r.read({ key: "other", resource: "counter" })).toEqual({ type: "ok", result: 0 });
  });

  it("a read never aliases the stored set", () => {
    const r = new ProtectedResource(false);
    r.write({ key: "k", resource: "set" }, [1]);
    const read = r.read({ key: "k", resource: "set" });
    if (read.type === "ok" && Array.isArray(read.result)) read.result.push(99);
    expect(r.read({ key: "k", resource: "set" })).toEqual({ type: "ok", result: [1] });
  });

  it("plain resources accept any token, fenced ones reject a lower token as stale-token", () => {
    const plain = new ProtectedResource(false);
    plain.write({ key: "k", resource: "register", token: "9" }, 1);
    expect(plain.write({ key: "k", resource: "register", token: "2" }, 2).type).toBe("ok");

    const fenced = new ProtectedResource(true);
    expect(fenced.write({ key: "k", resource: "register", token: "9" }, 1)).toEqual({ type: "ok" });
    expect(fenced.write({ key: "k", resource: "register", token: "9" }, 2)).toEqual({ type: "ok" });
    expect(fenced.write({ key: "k", resource: "register", token: "8" }, 3)).toEqual({
      type: "fail",
      error: "stale-token",
      highestToken: "9",
    });
    expect(fenced.read({ key: "k", resource: "register" })).toEqual({ type: "ok", result: 2 });
    expect(fenced.write({ key: "k", resource: "register" }, 4)).toMatchObject({
      type: "fail",
      error: "no-token",
    });
  });

  it("compares tokens as integers, not strings", () => {
    const fenced = new ProtectedResource(true);
    fenced.write({ key: "k", resource: "counter", token: "9" }, 1);
    expect(fenced.write({ key: "k", resource: "counter", token: "10" }, 2).type).toBe("ok");
    expect(fenced.write({ key: "k", resource: "counter", token: "123456789012345678901" }, 3).type).toBe(
      "ok",
    );
    expect(fenced.write({ key: "k", resource: "counter", token: "99" }, 4).type).toBe("fail");
  });

  it("property: the tokens a fenced resource accepts never go back", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { maxLength: 60 }), (tokens) => {
        const fenced = new ProtectedResource(true);
        const accepted: number[] = [];
        for (const t of tokens) {
          const out = fenced.write({ key: "k", resource: "counter", token: String(t) }, t);
          if (out.type === "ok") accepted.push(t);
          else expect(out.error).toBe("stale-token");
        }
        for (let i = 1; i < accepted.length; i++) expect(accepted[i]).toBeGreaterThanOrEqual(accepted[i - 1]);
        // everything at least as high as the running maximum was accepted
        const expected = tokens.filter((t, i) => tokens.slice(0, i).every((u) => u <= t));
        expect(accepted).toEqual(expected);
      }),
    );
  });

  it("nextValue: a new unique register value, the set plus one element, the counter plus one", () => {
    expect(nextValue("register", 4, 17)).toBe(17);
    expect(nextValue("set", [5, 1], 3)).toEqual([1, 3, 5]);
    expect(nextValue("set", null, 3)).toEqual([3]);
    expect(nextValue("counter", 41, 0)).toBe(42);
  });
});
