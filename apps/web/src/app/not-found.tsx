import Link from "next/link";
import { LogoMark } from "@/components/shell/logo";

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-3 px-4 text-center">
      <title>Not found · Flotilla</title>
      <LogoMark className="size-9" />
      <h1 className="font-semibold text-fg text-lg">This page does not exist</h1>
      <p className="text-fg-subtle text-sm">The address may be mistyped, or the page has moved.</p>
      <Link href="/" className="text-accent text-sm hover:underline">
        Go to the fleet
      </Link>
    </main>
  );
}
