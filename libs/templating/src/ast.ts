/** The parse tree of a Go text/template (src/text/template/parse/node.go, in TypeScript). */
export type Node = TextNode | ActionNode | IfNode | RangeNode | WithNode | TemplateNode | BreakNode | ContinueNode | ListNode;

export interface ListNode {
  kind: 'list';
  pos: number;
  nodes: Node[];
}
export interface TextNode {
  kind: 'text';
  pos: number;
  text: string;
}
export interface ActionNode {
  kind: 'action';
  pos: number;
  pipe: PipeNode;
}
export interface BranchNode {
  pos: number;
  pipe: PipeNode;
  list: ListNode;
  elseList: ListNode | null;
}
export interface IfNode extends BranchNode {
  kind: 'if';
}
export interface RangeNode extends BranchNode {
  kind: 'range';
}
export interface WithNode extends BranchNode {
  kind: 'with';
}
export interface TemplateNode {
  kind: 'template';
  pos: number;
  name: string;
  pipe: PipeNode | null;
}
export interface BreakNode {
  kind: 'break';
  pos: number;
}
export interface ContinueNode {
  kind: 'continue';
  pos: number;
}

export interface PipeNode {
  kind: 'pipe';
  pos: number;
  /** `$x = …` rather than `$x := …`. */
  isAssign: boolean;
  decl: string[];
  cmds: CommandNode[];
}
export interface CommandNode {
  kind: 'command';
  pos: number;
  args: ArgNode[];
}

export type ArgNode =
  | { kind: 'field'; pos: number; ident: string[] }
  | { kind: 'variable'; pos: number; ident: string[] }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'chain'; pos: number; node: ArgNode; field: string[] }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; value: number; isInt: boolean; isChar?: boolean }
  | { kind: 'string'; pos: number; text: string; value: string }
  | PipeNode;
