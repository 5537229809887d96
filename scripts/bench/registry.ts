// Every benchmark registers itself here, so `trustid bench` runs them in one process, one after another.
