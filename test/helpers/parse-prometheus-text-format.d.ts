declare module 'parse-prometheus-text-format' {
  /** Metric families as prom2json writes them. */
  function parsePrometheusTextFormat(text: string): unknown[];
  export default parsePrometheusTextFormat;
}
