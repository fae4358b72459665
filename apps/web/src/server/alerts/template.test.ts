import { describe, expect, it } from "vitest";
import { formatNumber, renderTemplate } from "./template.js";

describe("renderTemplate", () => {
  it("fills host, value and threshold, with spaces inside braces allowed", () => {
    expect(
      renderTemplate("{{host}} CPU at {{ value }}% (over {{threshold}}%)", {
        host: "web-1",
        value: 93.456,
        threshold: 90,
      }),
    ).toBe("web-1 CPU at 93.46% (over 90%)");
  });

  it("keeps unknown or empty placeholders visible so a typo shows", () => {
    expect(renderTemplate("{{hots}} is {{value}}", { host: "a", value: null })).toBe("{{hots}} is {{value}}");
  });

  it("does not interpret values as templates", () => {
    expect(renderTemplate("{{host}}", { host: "{{value}}", value: 1 })).toBe("{{value}}");
  });

  it("formats large numbers compactly", () => {
    expect(formatNumber(12_500_000)).toBe("12.5M");
    expect(formatNumber(2_000_000_000)).toBe("2G");
    expect(formatNumber(15_000)).toBe("15k");
    expect(formatNumber(0.1234)).toBe("0.12");
  });
});
