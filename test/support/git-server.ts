/**
 * A real git server on loopback for tests: git's own smart-HTTP CGI (`git http-backend`) behind
 * Node's HTTP server, with Basic authentication, serving bare repositories from a folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GitServer {
  url: string;
  /** A bare repository at `path` (e.g. "site.git", "github.com/owner/repo.git") with a first commit holding `files`; its clone URL. */
  createRepository(path: string, files: Record<string, string>): string;
  /** A new commit on the repository's default branch (through a working clone, pushed as a user would). */
  commit(path: string, files: Record<string, string>, message: string): string;
  /** How many requests the server answered (a fence: the members' pulls arrived). */
  requests(): number;
  close(): Promise<void>;
}

const git = (args: string[], cwd?: string) => {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 't@example.org', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 't@example.org' } });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
};

/** Without credentials, anyone may fetch (a public repository). */
/** `host`: where it listens (default loopback; "0.0.0.0" for containers, which reach it at their network's gateway). */
export async function startGitServer(credentials?: { username: string; password: string }, options: { host?: string } = {}): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'git-server-'));
  const work = mkdtempSync(join(tmpdir(), 'git-work-'));
  let count = 0;
  const expected = credentials ? `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` : undefined;
  const server: Server = createServer((request, response) => {
    count++;
    if (expected && request.headers.authorization !== expected) {
      response.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: credentials?.username ?? 'anonymous',
        REQUEST_METHOD: request.method ?? 'GET',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(request.headers['content-encoding']) } : {}),
        GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      },
    });
    request.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) return void response.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const [name, ...rest] = line.split(':');
        const value = rest.join(':').trim();
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
        else response.setHeader(name, value);
      }
      response.writeHead(status);
      response.write(head.subarray(end + 4));
    });
    cgi.on('close', () => response.end());
  });
  await new Promise<void>((resolve) => server.listen(0, options.host ?? '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const write = (dir: string, files: Record<string, string>) => {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
  };
  return {
    url,
    createRepository(path, files) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      git(['init', '--quiet', '--bare', '--initial-branch=main', join(root, path)]);
      const dir = join(work, path);
      git(['init', '--quiet', '--initial-branch=main', dir]);
      write(dir, files);
      git(['add', '-A'], dir);
      git(['commit', '--quiet', '-m', 'first'], dir);
      git(['push', '--quiet', join(root, path), 'main'], dir);
      return `${url}/${path}`;
    },
    commit(path, files, message) {
      const dir = join(work, path);
      write(dir, files);
      git(['add', '-A'], dir);
      git(['commit', '--quiet', '-m', message], dir);
      git(['push', '--quiet', join(root, path), 'main'], dir);
      return git(['rev-parse', 'HEAD'], dir);
    },
    requests: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
