import type { Metadata } from "next";
import { InviteAccept } from "@/components/settings/invite-accept";
import { Logo } from "@/components/shell/logo";

export const metadata: Metadata = { title: "Join your team" };

/** /invite/<token>: what the invitation is for, and joining (a new account, or an existing one). */
export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  return (
    <main className="flex min-h-dvh items-center justify-center px-4">
      <div className="w-full max-w-md">
        <div className="mb-8 flex justify-center">
          <Logo />
        </div>
        <InviteAccept token={token} />
      </div>
    </main>
  );
}
