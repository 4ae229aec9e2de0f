(ns ringkv.jepsen.lww-test
  "The harness can fail: against nodes started with --unsafe-last-write-wins
  (keep one sibling, the last write by timestamp wins), concurrent adds to the
  same key overwrite each other, and the set checker must name lost writes.
  Needs root, iproute2, iptables and the built node jar (dist/target/ringkv.jar);
  skipped with a message otherwise, or when RINGKV_JEPSEN_E2E=0. The pure
  checker tests (checker-test) prove a lossy history is flagged either way."
  (:require [clojure.test :refer [deftest is]]
            [clojure.java.io :as io]
            [clojure.string :as str]
            [ringkv.jepsen.core :as core]
            [ringkv.jepsen.net :as net]))

(defn jar []
  (let [home (core/home)]
    (io/file (.getParentFile (.getCanonicalFile home)) "dist" "target" "ringkv.jar")))

(defn skip-reason []
  (cond (= "0" (System/getenv "RINGKV_JEPSEN_E2E")) "RINGKV_JEPSEN_E2E=0"
        (not (net/root?)) "not root"
        (seq (net/tools-missing)) (str "missing " (str/join ", " (net/tools-missing)))
        (not (.isFile (jar))) (str "node jar not built: " (jar))
        (not (str/includes? (:out (net/sh "java" "-jar" (str (jar)) "node" "--help")) "--unsafe-last-write-wins"))
        "the node has no --unsafe-last-write-wins flag yet (java -jar ringkv.jar node --help)"
        :else nil))

(deftest unsafe-last-write-wins-loses-writes
  (if-let [why (skip-reason)]
    (println "SKIP lww-test (the harness-can-fail end-to-end run):" why)
    (let [{:keys [results dir]}
          (core/run-test! {:workload :set :nemesis #{:partition} :time-limit 30 :nodes 3
                           :concurrency 6 :rate 60.0 :replication-factor 3 :key-count 1
                           :calm 5 :fault 10 :quiet 5 :convergence-bound 20 :op-timeout 3000
                           :min-availability 0.0 :unsafe-last-write-wins true
                           :jar (str (jar)) :port 7001 :seed 1
                           :node-args ["--storage-entries" "20000" "--storage-average-value-bytes" "512"]
                           ;; its own names and subnet: never touches a harness run
                           :net-prefix "rkvl" :subnet "198.18.2"})]
      (println "lww-test store:" (str dir) "lost:" (get-in results [:set :lost-count]))
      (is (false? (:valid? results)))
      (is (pos? (get-in results [:set :lost-count] 0))
          "last-write-wins must show up as lost acknowledged adds"))))
