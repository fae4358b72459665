import type { ReactNode } from "react";
import { SettingsFrame } from "@/components/settings/settings-frame";
import SignedInLayout from "../(app)/layout";

/** Settings pages: the signed-in shell, with the settings menu beside each section. */
export default function SettingsLayout({ children }: { children: ReactNode }) {
  return (
    <SignedInLayout>
      <SettingsFrame>{children}</SettingsFrame>
    </SignedInLayout>
  );
}
