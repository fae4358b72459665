/** The libvirt driver's public face: detection and construction, for drivers/select.ts and tests. */
import { DEFAULT_LIBVIRT_URI, LibvirtDriver, type LibvirtDriverOptions } from "./libvirt-driver.js";
import { runVirsh } from "./virsh.js";

export { DEFAULT_LIBVIRT_URI, LibvirtDriver, type LibvirtDriverOptions } from "./libvirt-driver.js";

/** Whether virsh is installed and libvirt answers on `uri`. */
export async function detectLibvirt(uri = DEFAULT_LIBVIRT_URI, virshBinary = "virsh"): Promise<boolean> {
  return runVirsh({ binary: virshBinary, uri, timeoutMs: 5000 }, ["uri"]).then(
    () => true,
    () => false,
  );
}

export function createLibvirtDriver(options: LibvirtDriverOptions): LibvirtDriver {
  return new LibvirtDriver(options);
}
