// Every benchmark registers itself here, so `trustid bench` runs them in one process, one after another.
import "./envelope.bench.js";
import "./ingestion.bench.js";
import "./gateway.bench.js";
