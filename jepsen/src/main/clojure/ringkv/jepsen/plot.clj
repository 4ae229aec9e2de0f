(ns ringkv.jepsen.plot
  "latency.png: client latency over time (log scale, one colour per completion
  type) above the share of ok completions per second, fault windows shaded.
  Drawn by gnuplot (Debian gnuplot-nox); data and script stay next to the png."
  (:require [clojure.java.io :as io]
            [clojure.string :as str]
            [ringkv.jepsen.checker :as checker]
            [ringkv.jepsen.history :as h]
            [ringkv.jepsen.net :as net]))

(def fault-colours {:partition "#f4c7c3" :kill "#c6dafc" :pause "#fce8b2"
                    :leave "#d9ead3" :join "#b6d7a8" :remove "#d9d2e9"})

(defn availability-series
  "[[second ok-share]] over one-second buckets of client completions."
  [history]
  (->> history
       (filter #(and (h/client-op? %) (not= :invoke (:type %)) (not= :replicas (:f %)) (not (:final? %))))
       (group-by #(quot (:time %) 1000000000))
       (sort-by key)
       (map (fn [[s ops]] [s (double (/ (count (filter #(= :ok (:type %)) ops)) (count ops)))]))))

(defn script
  "The gnuplot script for a store directory."
  [history]
  (let [windows (h/fault-windows history)
        rects (map-indexed
               (fn [i w]
                 (format "set object %d rect from %.3f, graph 0 to %.3f, graph 1 fc rgb '%s' fs solid 0.6 noborder behind"
                         (inc i) (/ (:start w) 1e9) (/ (:end w) 1e9) (fault-colours (:fault w) "#dddddd")))
               windows)
        xmax (max 1.0 (/ (or (:time (last history)) 0) 1e9))
        legend "partition red, kill blue, pause yellow, leave light green, join green, remove lilac"]
    (str/join
     "\n"
     (concat
      ["set terminal pngcairo size 1200,800 noenhanced" "set output 'latency.png'"
       "set multiplot layout 2,1"
       (str "set title 'latency (shaded: faults; " legend ")'")
       "set logscale y" "set ylabel 'latency (ms)'" "set xlabel 'time (s)'" "set key outside right"
       (format "set xrange [0:%.1f]" xmax) "set lmargin 10" "set rmargin 14"]
      rects
      ["plot 'latency-ok.dat' using 1:2 with points pt 7 ps 0.3 lc rgb '#1a7f37' title 'ok', \\"
       "     'latency-fail.dat' using 1:2 with points pt 7 ps 0.4 lc rgb '#cf222e' title 'fail', \\"
       "     'latency-info.dat' using 1:2 with points pt 7 ps 0.5 lc rgb '#8250df' title 'info'"
       "unset logscale y" "set title 'availability: share of ok completions per second'"
       "set ylabel 'ok share'" "set yrange [0:1.05]"
       "plot 'availability.dat' using 1:2 with steps lw 2 lc rgb '#0969da' title 'ok share'"
       "unset multiplot" ""]))))

(defn- write-dat [file rows]
  ;; gnuplot refuses an empty data file; a point off the axes keeps it quiet.
  (spit file (if (seq rows) (str/join "\n" (map #(str/join " " %) rows)) "-1 1")))

(defn- with-gaps
  "Rows of [second share] with an empty row where seconds are missing, so
  gnuplot breaks the line instead of bridging a period with no ops."
  [rows]
  (mapcat (fn [[a b]] (if (and b (> (first b) (inc (first a)))) [a []] [a]))
          (partition-all 2 1 rows)))

(defn plot!
  "Writes the data files, the script and latency.png into dir. Returns
  {:file path} or {:error msg} (gnuplot missing or failing is not fatal)."
  [history dir]
  (let [ls (checker/latencies history)]
    (doseq [t [:ok :fail :info]]
      (write-dat (io/file dir (str "latency-" (name t) ".dat"))
                 (for [l ls :when (= t (:type l))] [(format "%.3f" (/ (:time l) 1e9)) (format "%.3f" (max 0.01 (:latency-ms l)))])))
    (write-dat (io/file dir "availability.dat") (with-gaps (availability-series history)))
    (spit (io/file dir "latency.gp") (script history))
    (let [r (try (net/sh "sh" "-c" (str "cd '" dir "' && gnuplot latency.gp"))
                 (catch Exception e {:exit -1 :err (str e)}))]
      (if (and (zero? (:exit r)) (.exists (io/file dir "latency.png")))
        {:file (str (io/file dir "latency.png"))}
        {:error (str "gnuplot failed or missing (apt-get install gnuplot-nox): " (str/trim (str (:err r))))}))))
