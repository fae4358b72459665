import type { NextConfig } from "next";

// The custom server (server.ts) owns /api/trpc, /socket.io and /agent; Next only renders pages.
const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  devIndicators: false,
};

export default nextConfig;
