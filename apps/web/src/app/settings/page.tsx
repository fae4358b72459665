"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { firstSettingsSection } from "@/components/settings/settings-sections";
import { useHeld } from "@/components/settings/use-held";

/** /settings opens the first section the signed-in person may use. */
export default function SettingsIndexPage() {
  const held = useHeld();
  const router = useRouter();
  const target = firstSettingsSection(held);
  useEffect(() => router.replace(target), [router, target]);
  return null;
}
