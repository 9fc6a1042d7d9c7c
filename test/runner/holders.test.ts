// The holder book: an ok acquire makes a client the holder of a key; its release's invocation, or an op
// of its whose outcome is unknown, ends that; another client's calls never end someone else's holding.

import { describe, expect, it } from "vitest";
import { HolderBook } from "../../runner/holders.js";

describe("HolderBook", () => {
  it("an ok acquire makes the holder; the release invocation ends it", () => {
    const book = new HolderBook();
    expect(book.holder()).toBeUndefined();
    book.note(2, "acquire", "k0", "invoke");
    expect(book.holder("k0")).toBeUndefined();
    book.note(2, "acquire", "k0", "ok");
    expect(book.holder("k0")).toBe(2);
    expect(book.holder()).toBe(2);
    book.note(2, "release", "k0", "invoke");
    expect(book.holder("k0")).toBeUndefined();
  });

  it("a failed acquire changes nothing; another client's release does not end a holding", () => {
    const book = new HolderBook();
    book.note(1, "acquire", "k0", "ok");
    book.note(3, "acquire", "k0", "fail");
    book.note(3, "release", "k0", "invoke");
    expect(book.holder("k0")).toBe(1);
  });

  it("an op of unknown outcome by the holder ends its holding (it no longer knows)", () => {
    const book = new HolderBook();
    book.note(0, "acquire", "k1", "ok");
    book.note(0, "renew", "k1", "info");
    expect(book.holder("k1")).toBeUndefined();
  });

  it("a later holder replaces an earlier one (the earlier one's lease ended by its own account)", () => {
    const book = new HolderBook();
    book.note(0, "acquire", "k0", "ok");
    book.note(1, "acquire", "k0", "ok");
    expect(book.holder("k0")).toBe(1);
    book.note(0, "release", "k0", "invoke");
    expect(book.holder("k0")).toBe(1);
  });
});

describe("HolderBook, for the nemesis's waits", () => {
  it("keysOf lists what a client holds now", () => {
    const book = new HolderBook();
    book.note(1, "acquire", "k0", "ok");
    book.note(1, "acquire", "k2", "ok");
    book.note(2, "acquire", "k1", "ok");
    expect(book.keysOf(1).sort()).toEqual(["k0", "k2"]);
    book.note(1, "release", "k0", "invoke");
    expect(book.keysOf(1)).toEqual(["k2"]);
    expect(book.keysOf(7)).toEqual([]);
  });

  it("nextAcquire resolves at the next ok acquire only, and at its deadline or abort with undefined", async () => {
    const book = new HolderBook();
    const next = book.nextAcquire(5_000);
    book.note(0, "acquire", "k0", "invoke");
    book.note(0, "acquire", "k0", "fail");
    book.note(3, "acquire", "k1", "ok");
    expect(await next).toEqual({ index: 3, key: "k1" });
    expect(await book.nextAcquire(20)).toBeUndefined();
    const ctl = new AbortController();
    const aborted = book.nextAcquire(5_000, ctl.signal);
    ctl.abort();
    expect(await aborted).toBeUndefined();
    book.note(1, "acquire", "k0", "ok"); // no waiter left: nothing to resolve, nothing thrown
    expect(book.holder("k0")).toBe(1);
  });
});
