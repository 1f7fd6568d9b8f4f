// Package benchreport prints benchmark measurements, each a value and the
// baseline measured in the same run, as a table or as JSON lines. `mlreg
// bench` and the per-call benchmark in bench/ both write it.
package benchreport

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
)

// Measurement is one row. Ratio is Value/BaselineValue unless the producer
// says otherwise in Target; Met says whether the target holds.
type Measurement struct {
	Name          string  `json:"name"`
	Value         float64 `json:"value"`
	Unit          string  `json:"unit"`
	Baseline      string  `json:"baseline"`
	BaselineValue float64 `json:"baseline_value"`
	Ratio         float64 `json:"ratio"`
	Target        string  `json:"target"`
	Met           bool    `json:"met"`
}

// Ratio returns value/baseline, or 0 when the baseline is 0.
func Ratio(value, baseline float64) float64 {
	if baseline == 0 {
		return 0
	}
	return value / baseline
}

// WriteJSON writes one JSON object per line.
func WriteJSON(w io.Writer, ms []Measurement) error {
	enc := json.NewEncoder(w)
	for _, m := range ms {
		if err := enc.Encode(m); err != nil {
			return err
		}
	}
	return nil
}

// WriteTable writes a readable table.
func WriteTable(w io.Writer, ms []Measurement) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MEASUREMENT\tVALUE\tBASELINE\tRATIO\tTARGET\tMET")
	for _, m := range ms {
		met := "yes"
		if !m.Met {
			met = "NO"
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s: %s\t%.2f\t%s\t%s\n", m.Name, human(m.Value), m.Unit, m.Baseline, human(m.BaselineValue), m.Ratio, m.Target, met)
	}
	return tw.Flush()
}

func human(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}
