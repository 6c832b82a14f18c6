/**
 * The cases confd's own template tests check (resource/template/template_test.go), written
 * here as this project's fixtures: a toml's keys select the store, the template renders.
 */
import { storeFor } from './resource';
import { confdFunctions } from './funcs/confd';
import { Template } from './template';

function render(keys: string[], data: Record<string, string>, text: string): string {
  return Template.parse('test.conf.tmpl', text, confdFunctions(storeFor({ keys, prefix: '' }, data), {})).execute(null);
}

describe('confd parity', () => {
  it.each([
    ['with get, base of the key', ['/app/key'], { '/app/key': 'xyz' }, '\n{{with get "/app/key"}}\nkey: {{base .Key}}\nval: {{.Value}}\n{{end}}\n', '\n\nkey: key\nval: xyz\n\n'],
    ['range gets, only the toml\'s keys', ['/app/user', '/app/pass', '/other/url'], { '/app/user': 'ann', '/app/pass': 'pw', '/other/url': 'u', '/app/hidden': 'h' }, '{{range gets "/app/*"}}{{.Key}}={{.Value}};{{end}}', '/app/pass=pw;/app/user=ann;'],
    ['range getvs, values sorted', ['/app'], { '/app/b': 'zeta', '/app/a': 'alpha' }, '{{range getvs "/app/*"}}[{{.}}]{{end}}', '[alpha][zeta]'],
    ['split and index', ['/app/data'], { '/app/data': 'one:two:three' }, '{{$d := split (getv "/app/data") ":"}}{{index $d 0}} {{index $d 2}}', 'one three'],
    ['json of each value', ['/hosts/'], { '/hosts/1': '{"Id":"h1","IP":"10.0.0.1"}', '/hosts/2': '{"Id":"h2","IP":"10.0.0.2"}' }, '{{range getvs "/hosts/*"}}{{$h := json .}}{{$h.Id}}@{{$h.IP}} {{end}}', 'h1@10.0.0.1 h2@10.0.0.2 '],
    ['jsonArray of a key with a trailing slash', ['/list/'], { '/list/': '["1", "2", "3"]' }, '{{range jsonArray (getv "/list/")}}n{{.}} {{end}}', 'n1 n2 n3 '],
    ['ls', ['/d/abc', '/d/def', '/d/ghi'], { '/d/abc': '1', '/d/def': '2', '/d/ghi': '3' }, '{{range ls "/d"}}{{.}} {{end}}', 'abc def ghi '],
    ['lsdir', ['/d/abc', '/d/def/ghi', '/d/jkl/mno'], { '/d/abc': '1', '/d/def/ghi': '2', '/d/jkl/mno': '3' }, '{{range lsdir "/d"}}{{.}} {{end}}', 'def jkl '],
    ['dir', ['/d'], { '/d': 'parent', '/d/abc': 'child' }, '{{with dir "/d/abc"}}dir: {{.}}{{end}}', 'dir: /d'],
    ['base64Encode and base64Decode', ['/v'], { '/v/plain': 'Value', '/v/coded': 'VmFsdWU=' }, '{{base64Encode (getv "/v/plain")}} {{base64Decode (getv "/v/coded")}}', 'VmFsdWU= Value'],
    ['seq over atoi', ['/count'], { '/count': '3' }, '{{seq 1 (atoi (getv "/count"))}}', '[1 2 3]'],
    ['contains', ['/lang'], { '/lang': 'golang' }, '{{contains "golang, java, python" (getv "/lang")}}', 'true'],
  ])('%s', (_name, keys, data, text, expected) => {
    expect(render(keys, data, text)).toBe(expected);
  });
});
