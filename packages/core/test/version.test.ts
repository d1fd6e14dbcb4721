import { describe, expect, it } from "vitest";
import { FOLIOX_VERSION } from "../src/index.js";

describe("@foliox/core", () => {
  it("exports a version string", () => {
    expect(typeof FOLIOX_VERSION).toBe("string");
  });
});
