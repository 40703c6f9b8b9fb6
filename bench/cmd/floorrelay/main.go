// Command floorrelay is the floor the gateway's call path is measured
// against: the cheapest MCP relay that can be written on net/http. It
// decodes the JSON-RPC body once, sends one upstream GET for
// tools/call {"petId":N} and wraps the body in a tool result — no MCP
// library, no validation, no authorization, no headers checked. It also
// answers initialize (for the legacy era) and accepts notifications, so
// the load driver's client can talk to it in both eras.
//
//	floorrelay --listen 127.0.0.1:9000 --upstream http://127.0.0.1:8000/v1
//
// The endpoint is /mcp/bench. See bench/README.md.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strconv"
	"time"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:9000", "listen address")
	upstream := flag.String("upstream", "", "upstream base URL (the demo API's /v1)")
	flag.Parse()
	if *upstream == "" {
		fmt.Fprintln(os.Stderr, "floorrelay: --upstream is required")
		os.Exit(2)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: 90 * time.Second}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("POST /mcp/bench", func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				Arguments struct {
					PetID json.Number `json:"petId"`
				} `json:"arguments"`
			} `json:"params"`
		}
		body, err := io.ReadAll(r.Body)
		if err != nil || json.Unmarshal(body, &msg) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if len(msg.ID) == 0 {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if msg.Method == "initialize" {
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"floor","version":"0"}}}`+"\n", msg.ID)
			return
		}
		resp, err := client.Get(*upstream + "/pets/" + string(msg.Params.Arguments.PetID))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		var out bytes.Buffer
		out.WriteString(`{"jsonrpc":"2.0","id":`)
		out.Write(msg.ID)
		out.WriteString(`,"result":{"content":[{"type":"text","text":`)
		out.WriteString(strconv.Quote(string(data)))
		out.WriteString(`}],"isError":`)
		out.WriteString(strconv.FormatBool(resp.StatusCode >= 400))
		out.WriteString("}}\n")
		_, _ = w.Write(out.Bytes())
	})
	log.Fatal((&http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 10 * time.Second}).ListenAndServe())
}
