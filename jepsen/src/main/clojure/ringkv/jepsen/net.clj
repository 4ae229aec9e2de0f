(ns ringkv.jepsen.net
  "Hosts as Linux network namespaces. Node i lives in namespace <prefix>-n<i>
  with address <subnet>.(10+i)/24 on eth0, the inside end of a veth pair whose
  outside end <prefix>-v<i> is enslaved to the bridge <prefix>-br in the root
  namespace; the bridge holds <subnet>.1, so the harness reaches every node
  directly. Partitions are iptables DROP rules in each namespace's own INPUT
  chain: deleting a namespace deletes its rules, so cleanup is deleting the
  namespaces and the bridge. Everything is named with the prefix, and setup
  first removes whatever a crashed run with the same prefix left behind."
  (:require [clojure.string :as str]))

(defn sh
  "Runs a command; returns {:exit :out :err}."
  [& args]
  (let [pb (ProcessBuilder. ^java.util.List (map str args))
        p (.start pb)
        out (future (slurp (.getInputStream p)))
        err (future (slurp (.getErrorStream p)))
        exit (.waitFor p)]
    {:exit exit :out @out :err @err}))

(defn sh!
  "Runs a command and throws unless it exits 0."
  [& args]
  (let [r (apply sh args)]
    (when-not (zero? (:exit r))
      (throw (ex-info (str "command failed (" (:exit r) "): " (str/join " " args) ": " (str/trim (:err r)))
                      (assoc r :cmd args))))
    r))

(defn net
  "The network description for nodes named n1..nN."
  [{:keys [prefix subnet node-count] :or {prefix "rkv" subnet "198.18.0" node-count 5}}]
  (assert (re-matches #"[a-z]{1,6}" prefix) "prefix: 1-6 lower-case letters (interface names are <= 15 chars)")
  (assert (re-matches #"198\.1[89]\.\d{1,3}" subnet) "subnet: must be inside 198.18.0.0/15")
  (let [nodes (vec (for [i (range 1 (inc node-count))] (str "n" i)))]
    {:prefix prefix
     :bridge (str prefix "-br")
     :bridge-ip (str subnet ".1")
     :nodes nodes
     :netns (into {} (for [n nodes] [n (str prefix "-" n)]))
     :veth (into {} (for [[i n] (map-indexed vector nodes)] [n (str prefix "-v" (inc i))]))
     :ip (into {} (for [[i n] (map-indexed vector nodes)] [n (str subnet "." (+ 11 i))]))}))

(defn tools-missing
  "Names of the commands the harness needs that are not on PATH."
  []
  (remove #(zero? (:exit (sh "sh" "-c" (str "command -v " %)))) ["ip" "iptables"]))

(defn root? []
  (= "0" (str/trim (:out (sh "id" "-u")))))

(defn- our-namespaces [prefix]
  (->> (str/split-lines (:out (sh "ip" "netns" "list")))
       (map #(first (str/split % #"\s+")))
       (filter #(and % (str/starts-with? % (str prefix "-"))))))

(defn- our-links [prefix]
  (->> (str/split-lines (:out (sh "ip" "-o" "link" "show")))
       (keep #(second (re-find #"^\d+:\s+([^:@\s]+)" %)))
       (filter #(str/starts-with? % (str prefix "-")))))

(defn kill-netns-processes!
  "SIGKILLs every process inside a namespace (found by `ip netns pids`)."
  [netns]
  (doseq [pid (str/split-lines (str/trim (:out (sh "ip" "netns" "pids" netns))))
          :when (re-matches #"\d+" pid)]
    (sh "kill" "-CONT" pid)
    (sh "kill" "-KILL" pid)))

(defn cleanup!
  "Removes every namespace and link carrying the prefix, killing the processes
  inside first. Idempotent; safe when nothing exists."
  [prefix]
  (doseq [ns (our-namespaces prefix)]
    (kill-netns-processes! ns)
    (sh "ip" "netns" "del" ns))
  (doseq [l (our-links prefix)]
    (sh "ip" "link" "del" l)))

(defn setup!
  "Creates the bridge and one namespace per node, after removing leftovers."
  [{:keys [prefix bridge bridge-ip nodes netns veth ip] :as net}]
  (cleanup! prefix)
  (sh! "ip" "link" "add" bridge "type" "bridge")
  (sh! "ip" "addr" "add" (str bridge-ip "/24") "dev" bridge)
  (sh! "ip" "link" "set" bridge "up")
  (doseq [n nodes]
    (sh! "ip" "netns" "add" (netns n))
    (sh! "ip" "link" "add" (veth n) "type" "veth" "peer" "name" "eth0" "netns" (netns n))
    (sh! "ip" "link" "set" (veth n) "master" bridge "up")
    (sh! "ip" "-n" (netns n) "addr" "add" (str (ip n) "/24") "dev" "eth0")
    (sh! "ip" "-n" (netns n) "link" "set" "eth0" "up")
    (sh! "ip" "-n" (netns n) "link" "set" "lo" "up"))
  net)

(defn exec-in
  "A command vector that runs argv inside node's namespace."
  [net node argv]
  (into ["ip" "netns" "exec" ((:netns net) node)] argv))

(defn heal!
  "Flushes the partition rules in every namespace."
  [net]
  (doall (pmap #(apply sh! (exec-in net % ["iptables" "-w" "-F" "INPUT"])) (:nodes net)))
  nil)

(defn partition!
  "Applies a grudge {node #{peers it drops}}: each node drops packets from the
  addresses of its peers. Replaces any partition in force."
  [net grudge]
  (heal! net)
  (doall (pmap (fn [[node peers]]
                 (doseq [p peers]
                   (apply sh! (exec-in net node ["iptables" "-w" "-A" "INPUT" "-s" ((:ip net) p) "-j" "DROP"]))))
               grudge))
  nil)

(defn rules
  "The INPUT rules in force in a node's namespace, as iptables -S prints them."
  [net node]
  (->> (:out (apply sh! (exec-in net node ["iptables" "-w" "-S" "INPUT"])))
       str/split-lines
       (filter #(str/starts-with? % "-A"))))
