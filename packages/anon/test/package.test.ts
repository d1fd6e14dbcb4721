import { describe, expect, it } from "vitest";
import { ANON_PACKAGE } from "../src/index.js";

describe("@foliox/anon", () => {
  it("names its package", () => {
    expect(ANON_PACKAGE).toBe("@foliox/anon");
  });
});
