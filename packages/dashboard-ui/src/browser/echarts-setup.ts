/**
 * The tree-shaken ECharts build (only the chart types and components the page uses), bundled as
 * its own script (charts.js): it sets window.segnasEcharts, which main.ts waits for.
 */
import * as echarts from "echarts/core";
import { BarChart, LineChart, ParallelChart, ScatterChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  ParallelChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export type EchartsLib = typeof echarts;

(window as unknown as { segnasEcharts?: EchartsLib }).segnasEcharts = echarts;
