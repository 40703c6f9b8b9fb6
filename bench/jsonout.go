package bench

import "encoding/json"

// The JSON forms below write durations as fractional milliseconds (keys
// ending in _ms), like [Summary.MarshalJSON].

// MarshalJSON writes durations as milliseconds.
func (t Targets) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		MaxP50RatioC1         float64 `json:"max_p50_ratio_c1"`
		MinThroughputRatioC64 float64 `json:"min_throughput_ratio_c64"`
		MaxStartToListMs      float64 `json:"max_start_to_list_ms"`
		MaxPeakRSS            int64   `json:"max_peak_rss_bytes"`
		MaxWarmListMs         float64 `json:"max_warm_list_ms"`
	}{t.MaxP50RatioC1, t.MinThroughputRatioC64, millis(t.MaxStartToList), t.MaxPeakRSS, millis(t.MaxWarmList)})
}

// MarshalJSON writes durations as milliseconds.
func (r ColdStartRun) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		FirstResponseMs float64 `json:"first_response_ms"`
		StartToListMs   float64 `json:"start_to_list_ms"`
		CPUToListMs     float64 `json:"cpu_to_list_ms"`
		Polls           int     `json:"polls"`
		AfterFirstList  Memory  `json:"after_first_list"`
		AfterWarm       Memory  `json:"after_warm"`
		WarmList        Summary `json:"warm_list"`
	}{millis(r.FirstResponse), millis(r.StartToList), millis(r.CPUToList), r.Polls, r.AfterFirstList, r.AfterWarm, r.WarmList})
}

// MarshalJSON writes durations as milliseconds.
func (r ColdStartResult) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Spec            string         `json:"spec"`
		SpecBytes       int64          `json:"spec_bytes"`
		Era             string         `json:"era"`
		Tools           int            `json:"tools"`
		Paginated       bool           `json:"paginated"`
		ListBytes       int            `json:"list_bytes"`
		FirstResponseMs float64        `json:"first_response_ms"`
		StartToListMs   float64        `json:"start_to_list_ms"`
		CPUToListMs     float64        `json:"cpu_to_list_ms"`
		PeakRSS         int64          `json:"peak_rss_bytes"`
		WarmListP50Ms   float64        `json:"warm_list_p50_ms"`
		WarmListP99Ms   float64        `json:"warm_list_p99_ms"`
		Runs            []ColdStartRun `json:"runs"`
	}{r.Spec, r.SpecBytes, r.Era, r.Tools, r.Paginated, r.ListBytes, millis(r.FirstResponse),
		millis(r.StartToList), millis(r.CPUToList), r.PeakRSS, millis(r.WarmListP50), millis(r.WarmListP99), r.Runs})
}
