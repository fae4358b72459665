import { defineConfig } from "vitest/config";

// Two projects: `unit` runs the tests beside the code (pure logic, plus packages that start
// their own throw-away PostgreSQL); `system` runs cross-process flows in test/system.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts", "apps/*/src/**/*.test.ts", "infra/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: "system",
          include: ["test/system/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // System tests start servers and agents; two at once is what 2 cores take.
          maxWorkers: 2,
        },
      },
    ],
  },
});
