/** Colours of the two themes, shared by the page (CSS variables mirror them) and the report's SVGs. */
export interface Palette {
  readonly fg: string;
  readonly muted: string;
  readonly bg: string;
  readonly grid: string;
  readonly accent: string;
  readonly best: string;
  readonly fail: string;
  readonly front: string;
  readonly series: readonly string[];
}

export const LIGHT: Palette = {
  fg: "#1d232b",
  muted: "#6b7785",
  bg: "#ffffff",
  grid: "#e3e7ec",
  accent: "#2f6fd6",
  best: "#d9480f",
  fail: "#c92a2a",
  front: "#d9480f",
  series: ["#2f6fd6", "#2b8a3e", "#d9480f", "#7048e8", "#0c8599", "#e67700", "#c2255c", "#5c940d"],
};

export const DARK: Palette = {
  fg: "#e6e9ee",
  muted: "#99a3b0",
  bg: "#161a20",
  grid: "#2b313a",
  accent: "#6ea8fe",
  best: "#ff922b",
  fail: "#ff6b6b",
  front: "#ff922b",
  series: ["#6ea8fe", "#69db7c", "#ff922b", "#b197fc", "#66d9e8", "#ffd43b", "#f783ac", "#a9e34b"],
};
