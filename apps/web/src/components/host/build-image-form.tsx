"use client";

/**
 * Build an image from a Dockerfile typed here and any files picked beside it: they are packed
 * into a tar in the browser, uploaded as the build context, and built on the host with the
 * build's output streamed live.
 */
import { FilePlus, FolderPlus, Hammer, X } from "lucide-react";
import { type FormEvent, useEffect, useEffectEvent, useId, useState } from "react";
import { CommandStatus } from "@/components/commands/command-status";
import { LogView } from "@/components/commands/log-view";
import { useRunCommand } from "@/components/commands/use-command";
import { useCommandOutput } from "@/components/commands/use-command-output";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { FieldError, Input, Label, Textarea } from "@/components/ui/input";
import { uploadBuildContext } from "@/lib/blob-upload";
import { formatBytes } from "@/lib/format";
import { normaliseTarPath, packTar } from "@/lib/tar";
import { errorMessage } from "@/lib/trpc";

const STARTER_DOCKERFILE = `FROM busybox:latest
COPY . /www
EXPOSE 80
CMD ["httpd", "-f", "-v", "-p", "80", "-h", "/www"]
`;

const TAG_PROBLEM = "command.payload.tag: ";

interface PickedFile {
  path: string;
  file: File;
}

type Stage = { kind: "idle" } | { kind: "uploading"; bytes: number } | { kind: "failed"; message: string };

function picked(list: FileList | null): PickedFile[] {
  return Array.from(list ?? []).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

export function BuildImageForm({ hostId, onBuilt }: { hostId: string; onBuilt: () => void }) {
  const run = useRunCommand();
  const [tag, setTag] = useState("");
  const [dockerfile, setDockerfile] = useState(STARTER_DOCKERFILE);
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [building, setBuilding] = useState("");
  const [stage, setStage] = useState<Stage>({ kind: "idle" });
  const [errors, setErrors] = useState<{ tag?: string; dockerfile?: string; files?: string }>({});
  const output = useCommandOutput(hostId, run.command?.id ?? null, run.requesting);
  const id = useId();

  const succeeded = run.command?.state === "succeeded";
  const done = useEffectEvent(onBuilt);
  useEffect(() => {
    if (succeeded) done();
  }, [succeeded]);

  const addFiles = (list: FileList | null) => {
    const next = picked(list);
    setFiles((prev) => [...prev.filter((p) => !next.some((n) => n.path === p.path)), ...next]);
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const wanted = tag.trim();
    const problems: typeof errors = {};
    if (!wanted) problems.tag = "Enter a tag for the image, like myapp:dev.";
    if (!dockerfile.trim()) problems.dockerfile = "Write the Dockerfile.";
    if (files.some((f) => normalise(f.path) === "Dockerfile")) {
      problems.files = "A picked file is named Dockerfile: remove it, or paste it into the Dockerfile box.";
    }
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;

    run.reset();
    setBuilding(wanted);
    let tar: Uint8Array;
    try {
      const entries = await Promise.all(
        files.map(async (f) => ({
          name: f.path,
          data: new Uint8Array(await f.file.arrayBuffer()),
          mtimeMs: f.file.lastModified,
        })),
      );
      tar = packTar([{ name: "Dockerfile", data: new TextEncoder().encode(dockerfile) }, ...entries]);
    } catch (error) {
      setStage({ kind: "failed", message: `The build context could not be packed: ${errorMessage(error)}` });
      return;
    }
    setStage({ kind: "uploading", bytes: tar.length });
    try {
      const context = await uploadBuildContext(tar);
      setStage({ kind: "idle" });
      await run.run(hostId, { name: "image.build", payload: { tag: wanted, dockerfile: "Dockerfile", context } });
    } catch (error) {
      setStage({ kind: "failed", message: errorMessage(error) });
    }
  };

  // The server checks the tag with the protocol's grammar: show its word under the field.
  const refused = run.requestError ? errorMessage(run.requestError) : null;
  const refusedTag = refused?.startsWith(TAG_PROBLEM) ? `${building} ${refused.slice(TAG_PROBLEM.length)}` : null;
  const tagProblem = errors.tag ?? refusedTag ?? undefined;
  const busy = stage.kind === "uploading" || run.active;
  const contextBytes = files.reduce((n, f) => n + f.file.size, dockerfile.length);

  return (
    <Card>
      <CardHeader>
        <div>
          <CardTitle>Build an image</CardTitle>
          <CardDescription>From a Dockerfile and the files it copies, like docker build.</CardDescription>
        </div>
      </CardHeader>
      <CardContent className="space-y-3">
        <form onSubmit={submit} className="space-y-3" noValidate>
          <div>
            <Label htmlFor={`${id}-tag`}>Tag</Label>
            <Input
              id={`${id}-tag`}
              placeholder="myapp:dev"
              value={tag}
              onChange={(e) => setTag(e.target.value)}
              aria-invalid={tagProblem ? true : undefined}
              aria-describedby={tagProblem ? `${id}-tag-error` : undefined}
              className="mt-1 font-mono"
              autoComplete="off"
              spellCheck={false}
            />
            <FieldError id={`${id}-tag-error`}>{tagProblem}</FieldError>
          </div>
          <div>
            <Label htmlFor={`${id}-dockerfile`}>Dockerfile</Label>
            <Textarea
              id={`${id}-dockerfile`}
              value={dockerfile}
              onChange={(e) => setDockerfile(e.target.value)}
              rows={6}
              spellCheck={false}
              aria-invalid={errors.dockerfile ? true : undefined}
              aria-describedby={errors.dockerfile ? `${id}-dockerfile-error` : undefined}
              className="mt-1 font-mono text-xs leading-5"
            />
            <FieldError id={`${id}-dockerfile-error`}>{errors.dockerfile}</FieldError>
          </div>
          <fieldset className="space-y-2">
            <legend className="font-medium text-fg-muted text-xs">Other files in the build context</legend>
            <div className="flex flex-wrap gap-2">
              <input
                id={`${id}-files`}
                type="file"
                multiple
                className="sr-only"
                onChange={(e) => {
                  addFiles(e.target.files);
                  e.target.value = "";
                }}
              />
              <label
                htmlFor={`${id}-files`}
                className="inline-flex h-7 cursor-pointer items-center gap-1.5 rounded-md border border-border bg-surface-2 px-2.5 font-medium text-xs hover:bg-surface-3"
              >
                <FilePlus aria-hidden className="size-3.5" />
                Add files
              </label>
              <input
                id={`${id}-folder`}
                type="file"
                multiple
                className="sr-only"
                // A folder keeps its layout: paths are relative to the folder picked.
                {...{ webkitdirectory: "" }}
                onChange={(e) => {
                  addFiles(e.target.files);
                  e.target.value = "";
                }}
              />
              <label
                htmlFor={`${id}-folder`}
                className="inline-flex h-7 cursor-pointer items-center gap-1.5 rounded-md border border-border bg-surface-2 px-2.5 font-medium text-xs hover:bg-surface-3"
              >
                <FolderPlus aria-hidden className="size-3.5" />
                Add a folder
              </label>
            </div>
            {files.length > 0 ? (
              <ul aria-label="Files in the build context" className="max-h-32 space-y-0.5 overflow-y-auto text-xs">
                {files.map((f) => (
                  <li key={f.path} className="flex items-center gap-2 rounded px-1 hover:bg-surface-2">
                    <span className="min-w-0 flex-1 truncate font-mono text-fg">{f.path}</span>
                    <span className="text-fg-subtle tabular-nums">{formatBytes(f.file.size)}</span>
                    <button
                      type="button"
                      aria-label={`Remove ${f.path} from the build context`}
                      onClick={() => setFiles((prev) => prev.filter((p) => p.path !== f.path))}
                      className="rounded p-0.5 text-fg-subtle hover:bg-surface-3 hover:text-fg"
                    >
                      <X aria-hidden className="size-3" />
                    </button>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="text-fg-subtle text-xs">Only the Dockerfile so far.</p>
            )}
            <FieldError id={`${id}-files-error`}>{errors.files}</FieldError>
          </fieldset>
          <div className="flex items-center justify-between gap-3">
            <span className="text-fg-subtle text-xs tabular-nums">
              Context: {files.length + 1} file{files.length === 0 ? "" : "s"} · {formatBytes(contextBytes)}
            </span>
            <Button type="submit" variant="primary" disabled={busy}>
              <Hammer aria-hidden className="size-4" />
              Build image
            </Button>
          </div>
        </form>
        {stage.kind === "uploading" ? (
          <p role="status" className="text-fg-muted text-sm">
            Uploading the build context ({formatBytes(stage.bytes)})…
          </p>
        ) : null}
        {stage.kind === "failed" ? (
          <p role="alert" className="text-danger text-sm">
            {stage.message}
          </p>
        ) : null}
        {refusedTag ? null : (
          <CommandStatus run={run} doing={`Building ${building}`} done={`Built ${building}`} testId="build-status" />
        )}
        {run.command && (output.lines.length > 0 || run.active) ? (
          <LogView
            lines={output.lines}
            label={`Output of building ${building}`}
            className="h-64"
            testId="build-output"
            empty="The build's output shows here as it runs."
          />
        ) : null}
      </CardContent>
    </Card>
  );
}

function normalise(path: string): string {
  try {
    return normaliseTarPath(path);
  } catch {
    return path;
  }
}
