(ns ringkv.jepsen.net-test
  "Plumbing on real namespaces with dummy nodes (python3 http.server standing in
  for a ringkv node): reachability through the bridge, each partition kind as
  seen from inside the namespaces, SIGKILL and restart, SIGSTOP and SIGCONT,
  and cleanup. Needs root, iproute2, iptables and python3; otherwise skipped.
  Uses its own prefix and subnet so it never touches a harness run."
  (:require [clojure.test :refer [deftest is testing]]
            [clojure.java.io :as io]
            [clojure.string :as str]
            [ringkv.jepsen.db :as db]
            [ringkv.jepsen.nemesis :as nem]
            [ringkv.jepsen.net :as net]))

(defn skip-reason []
  (cond (not (net/root?)) "not root"
        (seq (net/tools-missing)) (str "missing " (str/join ", " (net/tools-missing)))
        (not (zero? (:exit (net/sh "sh" "-c" "command -v python3")))) "no python3"
        :else nil))

(defn reach?
  "Can node a open a TCP connection to node b's port, from inside a's namespace?"
  [n a b port]
  (zero? (:exit (apply net/sh (net/exec-in n a ["timeout" "2" "bash" "-c"
                                                (str "echo > /dev/tcp/" ((:ip n) b) "/" port)])))))

(defn reach-matrix [n port]
  (into {} (for [a (:nodes n)] [a (set (filter #(reach? n a % port) (:nodes n)))])))

(deftest namespaces-partitions-and-processes
  (if-let [why (skip-reason)]
    (println "SKIP net-test:" why)
    (let [n (net/net {:prefix "rkvt" :subnet "198.18.1" :node-count 3})
          store (doto (io/file (System/getProperty "java.io.tmpdir") (str "rkvt-" (System/nanoTime))) .mkdirs)
          test {:port 7001 :store-dir store :node-command db/dummy-command}
          d (db/db test n)]
      (try
        (net/setup! n)
        (testing "setup is idempotent: a second setup removes the first"
          (net/setup! n))
        (doseq [x (:nodes n)] (db/start! d x))
        (doseq [x (:nodes n)] (db/await-port! d x 15000))
        (testing "the harness reaches every node through the bridge"
          (is (every? #(db/port-open? ((:ip n) %) 7001 1000) (:nodes n))))
        (testing "with no partition every node reaches every node"
          (is (= (set (:nodes n)) (get (reach-matrix n 7001) "n1"))))
        (testing "a grudge drops exactly the peers it names"
          (let [g (nem/isolate-one (java.util.Random. 1) (:nodes n))
                lone (first (for [[a bs] g :when (= 2 (count bs))] a))]
            (net/partition! n g)
            (let [m (reach-matrix n 7001)]
              (is (= #{lone} (get m lone)))
              (doseq [x (remove #{lone} (:nodes n))]
                (is (= (disj (set (:nodes n)) lone) (get m x)))))
            (is (= 2 (count (net/rules n lone))))
            (testing "the harness still reaches the isolated node"
              (is (db/port-open? ((:ip n) lone) 7001 1000)))
            (net/heal! n)
            (is (= (set (:nodes n)) (get (reach-matrix n 7001) lone)))
            (is (empty? (net/rules n lone)))))
        (testing "SIGKILL and restart give a new process that listens again"
          (let [p1 (db/pid d "n2")]
            (db/kill! d "n2")
            (is (not (db/alive? d "n2")))
            (is (not (db/port-open? ((:ip n) "n2") 7001 500)))
            (db/start! d "n2")
            (db/await-port! d "n2" 15000)
            (is (not= p1 (db/pid d "n2")))))
        (testing "SIGSTOP pauses and SIGCONT resumes"
          (db/pause! d "n3")
          (is (db/paused? d "n3"))
          (db/resume! d "n3")
          (is (not (db/paused? d "n3"))))
        (finally
          (db/stop-all! d)
          (net/cleanup! "rkvt")))
      (testing "cleanup leaves no namespace, link or process behind"
        (is (not (str/includes? (:out (net/sh "ip" "netns" "list")) "rkvt-")))
        (is (not (str/includes? (:out (net/sh "ip" "-o" "link" "show")) "rkvt-")))
        (is (not-any? #(db/alive? d %) (:nodes n)))))))
