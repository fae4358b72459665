/**
 * Choosing QEMU's accelerator. `auto` means KVM only when it really works: on nested or
 * restricted hosts /dev/kvm can be present and writable while QEMU aborts on the first KVM CPU
 * reset, so a probe QEMU decides (once per driver), and TCG is the fallback.
 */
import { access, constants } from "node:fs/promises";
import type { Accel } from "./qemu-args.js";
import { probeKvm } from "./qemu-process.js";
import type { VmDefinition } from "./vm-definition.js";

export function createAccelChooser(binary: string, kvmDevice = "/dev/kvm"): (def: VmDefinition) => Promise<Accel> {
  let kvmWorks: Promise<boolean> | undefined;
  return async (def) => {
    // A board-less QEMU has no CPU to accelerate (and `-cpu host` needs one).
    if (def.machine === "none") return "tcg";
    if (def.accel !== "auto") return def.accel;
    kvmWorks ??= access(kvmDevice, constants.R_OK | constants.W_OK).then(
      () => probeKvm(binary),
      () => false,
    );
    return (await kvmWorks) ? "kvm" : "tcg";
  };
}
