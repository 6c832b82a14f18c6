/** The Go text/template language, case by case, with the output Go gives. */
import { KeyValueStore } from './store';
import { confdFunctions } from './funcs/confd';
import { Template } from './template';
import { KVPair } from './values';

const render = (text: string, data: unknown = null, funcs = {}) => Template.parse('t', text, funcs).execute(data);

describe('Go text/template', () => {
  it.each([
    ['text only', 'plain text\n', null, 'plain text\n'],
    ['a field', '{{.name}}', { name: 'x' }, 'x'],
    ['nested fields', '{{.a.b.c}}', { a: { b: { c: 'deep' } } }, 'deep'],
    ['a missing map key', '{{.nope}}', { a: 1 }, '<no value>'],
    ['dot', '{{.}}', 'here', 'here'],
    ['nil data is no value', '{{.}}', null, '<no value>'],
    ['comments', 'a{{/* a comment */}}b', null, 'ab'],
    ['trim markers', 'a  {{- 1 -}}  b\n{{- 2}}', null, 'a1b2'],
    ['trimmed comment', 'a \n {{- /* x */ -}} \n b', null, 'ab'],
    ['a pipeline', '{{"abc" | printf "%s!"}}', null, 'abc!'],
    ['chained pipelines', '{{1 | printf "%d" | printf "[%s]"}}', null, '[1]'],
    ['variables', '{{$x := "v"}}{{$x}}{{$x = "w"}}{{$x}}', null, 'vw'],
    ['$ is the data', '{{range .a}}{{$.p}}{{.}}{{end}}', { a: [1, 2], p: '-' }, '-1-2'],
    ['if / else if / else', '{{if .a}}A{{else if .b}}B{{else}}C{{end}}', { a: 0, b: 'yes' }, 'B'],
    ['with / else', '{{with .a}}{{.}}{{else}}none{{end}}|{{with .b}}{{.}}{{end}}', { a: '', b: 'x' }, 'none|x'],
    ['with else with', '{{with .a}}a{{else with .b}}{{.}}{{end}}', { b: 'bee' }, 'bee'],
    ['range over a slice, with index', '{{range $i, $e := .}}{{$i}}:{{$e}} {{end}}', ['a', 'b'], '0:a 1:b '],
    ['range over a map in key order', '{{range $k, $v := .}}{{$k}}={{$v}};{{end}}', { z: 1, a: 2, m: 3 }, 'a=2;m=3;z=1;'],
    ['range else', '{{range .}}x{{else}}empty{{end}}', [], 'empty'],
    ['break and continue', '{{range .}}{{if eq . 2}}{{continue}}{{end}}{{if eq . 4}}{{break}}{{end}}{{.}}{{end}}', [1, 2, 3, 4, 5], '13'],
    ['variable scope ends with the block', '{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}', null, '21'],
    ['define and template', '{{define "T"}}<{{.}}>{{end}}{{template "T" "a"}}{{template "T"}}', null, '<a><<no value>>'],
    ['block', '{{block "B" .}}[{{.}}]{{end}}', 7, '[7]'],
    ['parenthesized pipelines and chains', '{{(index . 0).Key}}', [new KVPair('/k', 'v')], '/k'],
    ['and/or return an operand and short-circuit', '{{and 1 0 .x.y}} {{or 0 "" "z"}} {{and 1 2}}', {}, '0 z 2'],
    ['not, len, index, slice', '{{not 0}} {{len .s}} {{len .a}} {{index .a 1}} {{index .m "k"}} {{slice .s 1 3}}', { s: 'abcd', a: [1, 2], m: { k: 'v' } }, 'true 4 2 2 v bc'],
    ['eq with several', '{{eq 3 1 2 3}} {{ne "a" "b"}} {{lt 1 2}} {{le 2 2}} {{gt "b" "a"}} {{ge 1 2}}', null, 'true true true true true false'],
    ['print and println', '{{print 1 2 "a" "b" 3}}|{{println 1 "x"}}', null, '1 2ab3|1 x\n'],
    ['Go printing of values', '{{.a}} {{.m}} {{.n}} {{.b}} {{.f}} {{.kv}}', { a: ['x', 1, true], m: { b: 1, a: [2] }, n: null, b: false, f: 2.5, kv: new KVPair('/a', 'b') }, '[x 1 true] map[a:[2] b:1] <nil> false 2.5 {/a b}'],
    ['printf verbs', '{{printf "%s|%d|%v|%q|%x|%X|%f|%.2f|%t|%%|%5s|%-5s|%05d|%+d|%e" "s" 42 .a "q" 255 "hi" 1.5 3.14159 true "r" "l" 42 3 1234.5}}', { a: [1, 2] }, 's|42|[1 2]|"q"|ff|6869|1.500000|3.14|true|%|    r|l    |00042|+3|1.234500e+03'],
    ['printf with a bad verb or too few arguments', '{{printf "%d %s" "x"}}', null, '%!d(string=x) %!s(MISSING)'],
    ['html, js, urlquery', '{{html "<a&b>"}} {{js "it\'s"}} {{urlquery "a b/c"}}', null, '&lt;a&amp;b&gt; it\\\'s a+b%2Fc'],
    ['raw strings and escapes', '{{`a\\n`}}{{"b\\tc"}}', null, 'a\\nb\tc'],
    ['numbers', "{{0x1F}} {{1e3}} {{-7}} {{'a'}} {{1_000}}", null, '31 1000 -7 97 1000'],
    ['Go floats', '{{1.0}} {{2.5}} {{1e6}} {{1234567.5}} {{0.00001}} {{printf "%T %T %d %v" 1 1.0 1.0 .f}}', { f: 0.5 }, '1 2.5 1e+06 1.2345675e+06 1e-05 int float64 %!d(float64=1) 0.5'],
    ['ints and floats do not compare', '{{eq 1.5 1.5}} {{lt 1.0 2.0}}', null, 'true true'],
  ])('%s', (_name, text, data, expected) => {
    expect(render(text, data)).toBe(expected);
  });

  it.each([
    ['an unclosed action', '{{.a', /^template: t:1:1: unclosed action/],
    ['an unknown function', 'x\n{{nope 1}}', /^template: t:2:3: function "nope" not defined$/],
    ['an undefined variable', '{{$x}}', /^template: t:1:3: undefined variable "\$x"$/],
    ['an {{end}} too many', '{{end}}', /^template: t:1:3: unexpected \{\{end\}\}$/],
    ['an unterminated string', '{{"abc}}', /^template: t:1:3: unterminated quoted string$/],
    ['a missing end', '{{if 1}}x', /^template: t:1:10: unexpected EOF in if$/],
    ['break outside range', '{{break}}', /^template: t:1:3: \{\{break\}\} outside \{\{range\}\}$/],
  ])('refuses to parse %s, naming the line and column', (_name, text, message) => {
    expect(() => Template.parse('t', text)).toThrow(message);
  });

  it.each([
    ['range over a number', '{{range 3}}x{{end}}', null, 'template: t:1:3: executing "t" at <3>: range can\'t iterate over 3'],
    ['wrong argument count', '{{len 1 2}}', null, 'template: t:1:3: executing "t" at <len 1 2>: wrong number of args for len: want 1 got 2'],
    ['a field of a string', '{{.a.b}}', { a: 's' }, 'template: t:1:3: executing "t" at <.a.b>: can\'t evaluate field b in type string'],
    ['an index out of range', '{{index .a 5}}', { a: [1] }, 'template: t:1:3: executing "t" at <index .a 5>: error calling index: index out of range: 5'],
    ['incompatible comparison', '{{eq 1 "1"}}', null, 'template: t:1:3: executing "t" at <eq 1 "1">: error calling eq: incompatible types for comparison'],
    ['an int against a float', '{{eq 1 1.0}}', null, 'template: t:1:3: executing "t" at <eq 1 1.0>: error calling eq: incompatible types for comparison'],
    ['an undefined template', '{{template "x"}}', null, 'template: t:1:3: executing "t": template "x" not defined'],
    ['recursion without end', '{{define "r"}}{{template "r" .}}{{end}}{{template "r"}}', null, 'template: t:1:17: executing "r": exceeded maximum template depth (1000)'],
  ])('fails to execute %s, saying where and why', (_name, text, data, message) => {
    expect(() => render(text, data)).toThrow(message);
  });
});

describe('confd functions', () => {
  const store = new KeyValueStore({
    '/app/name': 'shop',
    '/app/port': '8080',
    '/hosts/b/ip': '10.0.0.2',
    '/hosts/b/sid': '2',
    '/hosts/a/ip': '10.0.0.1',
    '/hosts/a/sid': '1',
    '/hosts/c/ip': '10.0.0.3',
    '/hosts/c/sid': '3',
    '/json': '{"a":1,"b":["x","y"]}',
    '/list': '["p","q"]',
  });
  const confd = (text: string) => render(text, null, confdFunctions(store, { HOME: '/root', EMPTY: '' }));
  const qingcloud = (text: string) => render(text, null, confdFunctions(store, {}, 'qingcloud'));

  it.each([
    ['exists', '{{exists "/app/name"}} {{exists "/nope"}}', 'true false'],
    ['get', '{{with get "/app/name"}}{{.Key}}={{.Value}}{{end}}', '/app/name=shop'],
    ['gets (a glob, in key order)', '{{range gets "/hosts/*/ip"}}{{.Value}} {{end}}', '10.0.0.1 10.0.0.2 10.0.0.3 '],
    ['getv with a default', '{{getv "/app/port"}} {{getv "/nope" "dflt"}}', '8080 dflt'],
    ['getvs (values sorted)', '{{getvs "/hosts/*/sid"}}', '[1 2 3]'],
    ['ls and lsdir', '{{ls "/hosts"}} {{lsdir "/"}} {{ls "/app"}}', '[a b c] [app hosts] [name port]'],
    ['base, dir, split, join', '{{base "/a/b/c"}} {{dir "/a/b/c"}} {{split "a,b" ","}} {{join (split "a,b" ",") "-"}}', 'c /a/b [a b] a-b'],
    ['case, contains, replace, trimSuffix', '{{toUpper "ab"}} {{toLower "AB"}} {{contains "abc" "b"}} {{replace "aaa" "a" "b" 2}} {{trimSuffix "file.conf" ".conf"}}', 'AB ab true bba file'],
    ['json, jsonArray, map', '{{(json (getv "/json")).a}} {{index (jsonArray (getv "/list")) 1}} {{(map "k" "v").k}} {{printf "%T" (json (getv "/json")).a}}', '1 q v float64'],
    ['getenv with a default', '{{getenv "HOME"}} {{getenv "EMPTY" "d"}} {{getenv "NOPE"}}', '/root d '],
    ['base64, parseBool, atoi', '{{base64Encode "hi"}} {{base64Decode "aGk="}} {{parseBool "T"}} {{atoi "42"}}', 'aGk= hi true 42'],
    ['reverse, sortByLength, sortKVByLength', '{{reverse (split "a,b,c" ",")}} {{sortByLength (split "ccc,a,bb" ",")}} {{range sortKVByLength (gets "/app/*")}}{{.Key}} {{end}}', '[c b a] [a bb ccc] /app/name /app/port '],
    ['seq and integer arithmetic', '{{seq 1 3}} {{add 1 2}} {{sub 5 3}} {{mul 2 3}} {{div 7 2}} {{mod 7 2}}', '[1 2 3] 3 2 6 3 1'],
    ['fileExists', '{{fileExists "/"}} {{fileExists "/nope/nope"}}', 'true false'],
    ['datetime and Go time layouts', '{{(datetime).Format "2006"}} {{len ((datetime).UTC.Format "2006-01-02T15:04:05Z07:00")}}', `${new Date().getUTCFullYear()} 20`],
    ['lookupIPV4 of localhost', '{{range lookupIPV4 "localhost"}}ip: {{.}}{{end}}', 'ip: 127.0.0.1'],
  ])('%s', (_name, text, expected) => {
    expect(confd(text)).toBe(expected);
  });

  it('renders QingCloud\'s ZooKeeper example, and its arithmetic in qingcloud dialect', () => {
    const zk = '{{range $dir := lsdir "/hosts"}}{{$sid := printf "/hosts/%s/sid" $dir}}\n{{$ip := printf "/hosts/%s/ip" $dir}}server.{{getv $sid}}={{getv $ip}}:2888:3888{{end}}';
    expect(confd(zk)).toBe('\nserver.1=10.0.0.1:2888:3888\nserver.2=10.0.0.2:2888:3888\nserver.3=10.0.0.3:2888:3888');
    expect(qingcloud('{{range $dir := lsdir "/hosts"}}{{$sid := printf "/hosts/%s/sid" $dir}}myid={{add (getv $sid) 1}};{{end}}')).toBe('myid=2;myid=3;myid=4;');
    expect(qingcloud('{{div 7 2}} {{div "7.0" 2}} {{add "1.5" 1}} {{eq "10" 10}} {{lt "9" "10"}} {{max 3 "7"}} {{min 3 1}} {{filter "^a" (split "ab,b,ac" ",")}} {{toJson (map "a" 1)}}')).toBe('3 3.5 2.5 true true 7 1 [ab ac] {"a":1}');
    // confd's own arithmetic takes ints only, as Go's typed functions do.
    expect(() => confd('{{add (getv "/hosts/a/sid") 1}}')).toThrow(/error calling add: wrong type for value; expected int; got string/);
  });

  it.each([
    ['a missing key without a default', '{{getv "/nope"}}', /executing "t" at <getv "\/nope">: error calling getv: key does not exist: \/nope/],
    ['division by zero', '{{div 1 0}}', /error calling div: runtime error: integer divide by zero/],
    ['a bad atoi', '{{atoi "x"}}', /error calling atoi: strconv.Atoi: parsing "x": invalid syntax/],
    ['a map with an odd count', '{{map "a"}}', /error calling map: invalid map call/],
  ])('fails on %s', (_name, text, message) => {
    expect(() => confd(text)).toThrow(message);
  });
});
