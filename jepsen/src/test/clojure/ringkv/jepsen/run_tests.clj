;; Test entry point for clojure-maven-plugin's test goal (and bin/run --self-test).
;; Prints "N passed, N failed" alone on a line (assertions) for CI and exits
;; non-zero when any assertion failed or errored, which fails the Maven build.
(ns ringkv.jepsen.run-tests
  (:require [clojure.test :as t]))

(def test-namespaces
  '[ringkv.jepsen.history-test
    ringkv.jepsen.checker-test
    ringkv.jepsen.nemesis-test
    ringkv.jepsen.membership-test
    ringkv.jepsen.workload-test
    ringkv.jepsen.plot-test
    ringkv.jepsen.pipeline-test
    ringkv.jepsen.net-test
    ringkv.jepsen.lww-test])

(defn -main []
  (apply require test-namespaces)
  (let [{:keys [pass fail error test]} (apply t/run-tests test-namespaces)
        failed (+ fail error)]
    (println)
    (println (str "ringkv-jepsen: " test " tests"))
    (println (str pass " passed, " failed " failed"))
    (shutdown-agents)
    (System/exit (if (zero? failed) 0 1))))

(when-not *compile-files* (-main))
