(ns ringkv.jepsen.security
  "TLS and authentication for a run (--tls, --auth). Certificates come from ringkv's
  own `certs` code, one per namespace (slot), naming the slot's address; the users
  file holds one admin user (the final reads, VERIFY and the membership nemesis's
  REMOVE/LEAVE need admin) with a random password. With --auth but not --tls the
  nodes must still authenticate each other: a cluster secret, and passwords over
  plaintext (--allow-plaintext-auth)."
  (:require [clojure.java.io :as io])
  (:import (io.ringkv.client ClientConfig ClientTls Credentials)
           (io.ringkv.security Certs Certs$NodeSpec PasswordHash Role UsersFile UsersFile$User)
           (java.util UUID)))

(def user "jepsen")

;; Fewer than the users command's default: a node that is killed and restarted checks each client's
;; first login again, and the harness's timings should not include seconds of hashing.
(def ^:private iterations 10000)

(defn prepare!
  "Writes what `opts` (:tls, :auth) need into `dir` for `slots` (ip-of: slot -> address).
  Returns nil when both are off, else {:node-args (fn [slot] flags) :client (fn [ClientConfig] ClientConfig)}."
  [{:keys [tls auth]} slots ip-of dir]
  (when (or tls auth)
    (let [pki (io/file dir "pki")
          users (io/file dir "users.txt")
          secret (io/file dir "cluster.secret")
          password (str (UUID/randomUUID))]
      (.mkdirs (io/file dir))
      (when tls
        (Certs/create (.toPath pki) (mapv #(Certs$NodeSpec. % (ip-of %)) slots) "client" (int 365) (int 3650)))
      (when auth
        (UsersFile/put (.toPath users)
                       (UsersFile$User. user Role/ADMIN (PasswordHash/create (.toCharArray password) (int iterations))))
        (when-not tls
          (spit secret (str (UUID/randomUUID) (UUID/randomUUID)))))
      {:node-args (fn [slot]
                    (cond-> []
                      tls (into ["--tls" "all" "--tls-cert" (str (io/file pki (str slot ".pem")))
                                 "--tls-key" (str (io/file pki (str slot ".key")))
                                 "--tls-ca" (str (io/file pki "ca.pem"))])
                      auth (into ["--auth" "on" "--users-file" (str users)])
                      (and auth (not tls)) (into ["--cluster-secret-file" (str secret) "--allow-plaintext-auth"])))
       :client (fn [^ClientConfig c]
                 (cond-> c
                   tls (.withTls (ClientTls/trusting (.toPath (io/file pki "ca.pem"))))
                   auth (.withCredentials (Credentials. user password))))})))
