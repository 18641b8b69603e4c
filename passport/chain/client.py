"""A small, typed wrapper around web3 for the passport's chain work.

``Chain`` is the one object the chain clients (registries, the did:ethr resolver) talk to.
It hides which node is behind it:

* ``Chain.embedded()``: an in-process EVM (eth-tester on py-evm) with ten funded, unlocked
  dev accounts. One py-evm backend per ``Chain``; nothing is shared between instances.
* ``Chain.connect(url)``: any EVM JSON-RPC endpoint over HTTP (anvil, geth, Besu, a testnet).

Both count the JSON-RPC requests that reach the node (``rpc_calls``, ``rpc_methods``), record
the gas used per named operation (``gas_report``, ``gas_table()``), and map node failures to
the library's error tree:

========================  ======================  =============================================
code                      class                   when
========================  ======================  =============================================
``rpc_unavailable``       CouldNotCheckError      the JSON-RPC endpoint refused, timed out or
                                                  did not answer JSON-RPC
``contract_reverted``     VerdictError            a call or transaction reverted; ``details``
                                                  carries the decoded custom error / reason
``chain_mismatch``        ConfigurationError      the node's chain id is not the one expected
``insufficient_funds``    ConfigurationError      the sender cannot pay for gas (``fund()`` it)
``transaction_rejected``  ConfigurationError      the node refused the transaction (sender not
                                                  unlocked, bad nonce, ...)
``dev_chain_required``    ConfigurationError      ``fund``/``mine``/``snapshot`` on a node
                                                  without the dev RPC methods (anvil_*, evm_*)
``rpc_url_invalid``       ConfigurationError      ``connect`` got something not http(s)://
``artifact_not_found``    ConfigurationError      no compiled artifact of that contract name
========================  ======================  =============================================

``rpc_unavailable`` is raised by the provider itself, so it also surfaces from plain web3
calls made through ``chain.w3`` (``contract.functions.f().call()``). Reverts surface as web3's
``ContractLogicError`` from plain web3 calls; use ``chain.call`` / ``chain.transact`` to get
``contract_reverted`` instead.

Typical use::

    chain = Chain.embedded()
    deployer = chain.accounts[0]
    trust = chain.deploy_contract("TrustRegistry", sender=deployer)
    receipt = chain.transact(trust.functions.appointAccreditor(addr), sender=deployer,
                             op="appointAccreditor")
    chain.call(trust.functions.isAccredited(issuer, type_id, at))   # -> bool
"""

from __future__ import annotations

import ast
import json
import statistics
import urllib.parse
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_abi.exceptions import DecodingError
from eth_account import Account
from eth_utils.abi import abi_to_signature, get_abi_input_types
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes
from web3 import EthereumTesterProvider, HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError
from web3.types import BlockIdentifier, RPCEndpoint, RPCResponse, TxParams, TxReceipt, Wei

from passport.errors import ConfigurationError, CouldNotCheckError, VerdictError
from passport.jsonsafe import cap_recursion_limit
from passport.keys import KeyType, PrivateKey

cap_recursion_limit()  # py_ecc (through eth-account) raised it to 100,000: see passport.jsonsafe

__all__ = [
    "EMBEDDED_URL",
    "Chain",
    "GasStat",
    "Sender",
    "decode_revert",
]

EMBEDDED_URL = "embedded"
"""The ``rpc_url`` recorded for the in-process chain (it lives only as long as its process)."""

Sender = str | PrivateKey
"""Who signs a transaction: an address the node holds unlocked (dev accounts of anvil and the
embedded chain), or a secp256k1 ``PrivateKey`` that signs locally (eth-account)."""

_UP_HINT = "Start a local chain with `passport chain up`, or pass the URL of a running node."
_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)
_PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x21: "invalid enum value",
    0x31: "pop on an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}


@dataclass(frozen=True)
class GasStat:
    """Gas used by one named operation over all the times it ran on a ``Chain``."""

    op: str
    count: int
    min: int
    max: int
    mean: float
    total: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "count": self.count,
            "min": self.min,
            "max": self.max,
            "mean": self.mean,
            "total": self.total,
        }


def _redact_url(url: str) -> str:
    """``scheme://host:port`` only: URL paths and queries often carry API keys."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}" if parts.scheme else "<invalid url>"


def _unavailable(url: str, reason: str) -> CouldNotCheckError:
    shown = _redact_url(url)
    return CouldNotCheckError(
        "rpc_unavailable",
        f"Cannot reach the chain's JSON-RPC endpoint at {shown} ({reason}). {_UP_HINT}",
        details={"rpc_url": shown, "reason": reason},
    )


class _CountingHTTPProvider(HTTPProvider):
    """An HTTP provider that counts requests and turns transport failures into
    ``rpc_unavailable``."""

    def __init__(self, url: str, *, timeout: float) -> None:
        # No retries: a chain that is down should be reported at once, not after backoff.
        super().__init__(
            url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
        self.calls: Counter[str] = Counter()
        self._url = url

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        self.calls[str(method)] += 1
        try:
            return super().make_request(method, params)
        except json.JSONDecodeError as exc:
            raise _unavailable(self._url, "the endpoint did not answer JSON-RPC") from exc
        except OSError as exc:  # requests' ConnectionError, Timeout, HTTPError are OSErrors
            raise _unavailable(self._url, type(exc).__name__) from exc

    def make_batch_request(
        self, batch_requests: list[tuple[RPCEndpoint, Any]]
    ) -> list[RPCResponse] | RPCResponse:
        for method, _ in batch_requests:
            self.calls[str(method)] += 1
        try:
            return super().make_batch_request(batch_requests)
        except json.JSONDecodeError as exc:
            raise _unavailable(self._url, "the endpoint did not answer JSON-RPC") from exc
        except OSError as exc:
            raise _unavailable(self._url, type(exc).__name__) from exc


def _transaction_failed() -> type[Exception]:
    """eth-tester's revert exception (imported late: only the embedded chain needs it)."""
    from eth_tester.exceptions import TransactionFailed

    return cast(type[Exception], TransactionFailed)


def _rejections() -> tuple[type[Exception], ...]:
    """The exceptions eth-tester raises where a node would answer a JSON-RPC error."""
    from eth_tester.exceptions import ValidationError as TesterValidationError
    from eth_utils.exceptions import ValidationError

    return (ValidationError, cast(type[Exception], TesterValidationError))


def _revert_data(exc: BaseException) -> bytes:
    """Recover the raw revert data from eth-tester's ``TransactionFailed``.

    web3's tester glue re-raises it as a string; the original (with the bytes, or the decoded
    ``Error(string)`` reason) is the exception's context.
    """
    original = exc.__context__ if isinstance(exc.__context__, _transaction_failed()) else exc
    arg: Any = original.args[0] if original.args else b""
    if isinstance(arg, Exception):
        arg = arg.args[0] if arg.args else b""
    if isinstance(arg, bytes):
        return arg
    text = str(arg)
    if text.startswith(("b'", 'b"')):  # a custom error's bytes, stringified by eth-tester
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = None
        if isinstance(value, bytes):
            return value
    if text.startswith("execution reverted: "):
        text = text.removeprefix("execution reverted: ")
    return _ERROR_STRING + abi_encode(["string"], [text])


def _tester_api() -> dict[str, dict[str, Callable[..., Any]]]:
    from web3.providers.eth_tester.defaults import API_ENDPOINTS

    def increase_time(tester: Any, params: Any) -> int:
        seconds = int(params[0], 16) if isinstance(params[0], str) else int(params[0])
        pending = int(tester.get_block_by_number("pending")["timestamp"])
        tester.time_travel(pending + seconds)  # mines one block at the new time
        return seconds

    api = {namespace: dict(endpoints) for namespace, endpoints in API_ENDPOINTS.items()}
    api["evm"]["increaseTime"] = increase_time
    return api


class _EmbeddedProvider(EthereumTesterProvider):
    """eth-tester provider that counts requests and answers failures like a real node does
    (a JSON-RPC error with the revert data), so both kinds of chain raise the same errors."""

    def __init__(self) -> None:
        from eth_tester import EthereumTester, PyEVMBackend

        super().__init__(EthereumTester(PyEVMBackend()), api_endpoints=_tester_api())
        self.calls: Counter[str] = Counter()

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        self.calls[str(method)] += 1
        try:
            return super().make_request(method, params)
        except _transaction_failed() as exc:
            error: dict[str, Any] = {
                "code": 3,
                "message": "execution reverted",
                "data": "0x" + _revert_data(exc).hex(),
            }
        except _rejections() as exc:
            message = str(exc)
            if "cannot afford" in message:  # geth's wording, which clients match on
                message = f"insufficient funds for gas * price + value: {message}"
            error = {"code": -32000, "message": message}
        return cast(RPCResponse, {"id": 0, "jsonrpc": "2.0", "error": error})


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def decode_revert(data: bytes | str | None, abi: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Decode revert data against the custom errors of ``abi`` (plus ``Error(string)`` and
    ``Panic(uint256)``).

    Returns ``{"error": name, "args": {...}, "reason": text, "data": hex}``; ``error`` is
    ``"Error"`` for a ``require``/``revert("...")`` reason, ``"Panic"`` for a panic, the custom
    error's name when its selector is in ``abi``, and ``None`` when unknown.
    """
    raw = HexBytes(data) if data else HexBytes(b"")
    out: dict[str, Any] = {"error": None, "args": {}, "reason": "", "data": raw.to_0x_hex()}
    selector, body = bytes(raw[:4]), bytes(raw[4:])
    try:
        if selector == _ERROR_STRING:
            (reason,) = abi_decode(["string"], body)
            out.update(error="Error", reason=str(reason), args={"reason": str(reason)})
            return out
        if selector == _PANIC:
            (code,) = abi_decode(["uint256"], body)
            text = _PANIC_CODES.get(int(code), "panic")
            out.update(error="Panic", reason=f"panic 0x{int(code):02x}: {text}")
            out["args"] = {"code": int(code)}
            return out
        for entry in abi:
            if entry.get("type") != "error":
                continue
            signature = abi_to_signature(cast(Any, entry))
            if keccak(text=signature)[:4] != selector:
                continue
            types = get_abi_input_types(cast(Any, entry))
            values = abi_decode(types, body)
            names = [i.get("name") or f"arg{n}" for n, i in enumerate(entry.get("inputs", []))]
            args = {
                name: to_checksum_address(v) if kind == "address" else _jsonable(v)
                for name, kind, v in zip(names, types, values, strict=True)
            }
            shown = ", ".join(f"{k}={v}" for k, v in args.items())
            out.update(error=str(entry["name"]), args=args, reason=f"{entry['name']}({shown})")
            return out
    except DecodingError:
        pass
    out["reason"] = f"unknown revert data {out['data']}" if raw else "no revert data"
    return out


def _artifact_loader(name: str) -> Mapping[str, Any]:
    from passport.chain.build import load_artifact

    return cast(Mapping[str, Any], load_artifact(name))


class Chain:
    """A connection to one EVM chain, with request counting and a gas report.

    Build it with ``Chain.embedded()`` or ``Chain.connect(url)``, not the constructor.

    Attributes:
        w3: the ``web3.Web3`` instance (use it freely; requests through it are counted and
            transport failures raise ``rpc_unavailable``).
        url: ``"embedded"`` or the JSON-RPC URL.
        gas_report: op name -> gas used by each transaction recorded under that name.
    """

    def __init__(self, w3: Web3, provider: _CountingHTTPProvider | _EmbeddedProvider, url: str):
        # web3's validation middleware asks eth_chainId before every call and transaction;
        # the chain id is read once here instead, and the node itself rejects a signed
        # transaction for another chain (EIP-155), so a call costs one request.
        w3.middleware_onion.remove("validation")
        self.w3 = w3
        self.url = url
        self._provider = provider
        self.gas_report: dict[str, list[int]] = {}
        self._chain_id: int | None = None
        self._accounts: list[str] | None = None
        self._artifacts: dict[str, Mapping[str, Any]] = {}
        self._error_abi: dict[str, Mapping[str, Any]] = {}  # custom errors of every contract

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def embedded(cls) -> Chain:
        """A fresh in-process chain (eth-tester + py-evm): ten dev accounts holding 1,000,000
        ether each, unlocked; every transaction is mined at once. The chain id is eth-tester's
        (131277322940537). State lives in this object only."""
        provider = _EmbeddedProvider()
        chain = cls(Web3(provider), provider, EMBEDDED_URL)
        # eth-tester fills a missing "from" with eth_accounts[0], asking for the accounts
        # on every call; a default account makes calls cost one request, as on a node.
        chain.w3.eth.default_account = to_checksum_address(chain.accounts[0])
        _ = chain.chain_id
        chain.reset_rpc_calls()
        return chain

    @classmethod
    def connect(cls, url: str, *, timeout: float = 10.0) -> Chain:
        """Connect to the JSON-RPC endpoint at ``url`` (HTTP) and read its chain id.

        Raises CouldNotCheckError ``rpc_unavailable`` when the endpoint refuses, times out
        (``timeout`` seconds per request) or does not speak JSON-RPC; ConfigurationError
        ``rpc_url_invalid`` when ``url`` is not http(s).
        """
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ConfigurationError(
                "rpc_url_invalid",
                f"{url!r} is not an http(s):// JSON-RPC URL (the embedded chain exists only "
                "inside the process that created it). " + _UP_HINT,
                details={"rpc_url": url if url == EMBEDDED_URL else "<not shown>"},
            )
        provider = _CountingHTTPProvider(url, timeout=timeout)
        chain = cls(Web3(provider), provider, url)
        _ = chain.chain_id  # fail now, with rpc_unavailable, if nobody answers
        chain.reset_rpc_calls()
        return chain

    # -- identity and accounting -------------------------------------------------------------

    @property
    def is_embedded(self) -> bool:
        return self.url == EMBEDDED_URL

    @property
    def chain_id(self) -> int:
        """The node's chain id (``eth_chainId``, read once)."""
        if self._chain_id is None:
            self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def expect_chain_id(self, chain_id: int, *, source: str = "the deployment file") -> None:
        """Raise ConfigurationError ``chain_mismatch`` unless the node's chain id is
        ``chain_id`` (``source`` names where the expectation came from, for the message)."""
        if self.chain_id != chain_id:
            raise ConfigurationError(
                "chain_mismatch",
                f"The node at {_redact_url(self.url) if not self.is_embedded else self.url} "
                f"has chain id {self.chain_id}, but {source} is for chain id {chain_id}. "
                "Point at the right node, or redeploy with `passport chain deploy`.",
                details={"expected": chain_id, "actual": self.chain_id},
            )

    @property
    def rpc_calls(self) -> int:
        """JSON-RPC requests sent to the node since the chain was opened (or since
        ``reset_rpc_calls``); each batch member counts once. The requests made while opening
        (the chain id) are not counted. A ``call`` costs one request."""
        return sum(self._provider.calls.values())

    @property
    def rpc_methods(self) -> Counter[str]:
        """JSON-RPC requests so far, per method name (a copy)."""
        return Counter(self._provider.calls)

    def reset_rpc_calls(self) -> None:
        self._provider.calls.clear()

    def gas_table(self) -> list[GasStat]:
        """The gas report summarised per op, sorted by op name."""
        return [
            GasStat(
                op=op,
                count=len(gas),
                min=min(gas),
                max=max(gas),
                mean=statistics.fmean(gas),
                total=sum(gas),
            )
            for op, gas in sorted(self.gas_report.items())
            if gas
        ]

    def reset_gas_report(self) -> None:
        self.gas_report.clear()

    @property
    def accounts(self) -> list[str]:
        """The node's unlocked dev accounts (``eth_accounts``, read once; may be empty)."""
        if self._accounts is None:
            self._accounts = [str(a) for a in self.w3.eth.accounts]
        return list(self._accounts)

    # -- contracts ---------------------------------------------------------------------------

    def register_artifact(self, name: str, abi: list[dict[str, Any]], bytecode: str) -> None:
        """Make a contract not bundled with the library known by ``name`` (tests, extensions)."""
        self._artifacts[name] = {"abi": abi, "bytecode": bytecode}
        self._remember_errors(abi)

    def artifact(self, name: str) -> Mapping[str, Any]:
        """``{"abi": [...], "bytecode": "0x..."}`` of contract ``name``: a registered one, else
        the library's compiled artifacts (DIDRegistry, TrustRegistry, StatusRegistry).

        Raises ConfigurationError ``artifact_not_found``.
        """
        if name not in self._artifacts:
            art = _artifact_loader(name)
            self._artifacts[name] = art
            self._remember_errors(art["abi"])
        return self._artifacts[name]

    def _remember_errors(self, abi: Sequence[Mapping[str, Any]]) -> None:
        for entry in abi:
            if entry.get("type") == "error":
                self._error_abi[abi_to_signature(cast(Any, entry))] = entry

    def contract(self, name: str, address: str) -> Contract:
        """A web3 contract object for contract ``name`` at ``address``."""
        abi = self.artifact(name)["abi"]
        return self.w3.eth.contract(address=to_checksum_address(address), abi=abi)

    def constructor(self, name: str, *args: Any) -> ContractConstructor:
        """The constructor call of contract ``name``, to pass to ``transact``."""
        art = self.artifact(name)
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        return factory.constructor(*args)

    def deploy_contract(
        self, name: str, *args: Any, sender: Sender, op: str | None = None
    ) -> Contract:
        """Deploy contract ``name`` with constructor ``args``; gas goes to op
        ``"deploy <name>"`` unless ``op`` is given. Raises as ``transact``."""
        receipt = self.transact(
            self.constructor(name, *args), sender=sender, op=op or f"deploy {name}"
        )
        address = receipt["contractAddress"]
        if address is None:  # pragma: no cover - a mined creation always has an address
            raise CouldNotCheckError("rpc_unavailable", "The node returned no contract address.")
        return self.contract(name, str(address))

    def has_code(self, address: str, block: BlockIdentifier = "latest") -> bool:
        """Whether a contract is deployed at ``address``."""
        return len(self.w3.eth.get_code(to_checksum_address(address), block)) > 0

    # -- calls and transactions --------------------------------------------------------------

    def call(self, fn_call: ContractFunction, *, block: BlockIdentifier = "latest") -> Any:
        """``eth_call`` of ``fn_call`` at ``block``.

        Raises VerdictError ``contract_reverted`` (details: ``error``, ``args``, ``reason``,
        ``data``, ``function``); CouldNotCheckError ``rpc_unavailable``.
        """
        try:
            return fn_call.call(block_identifier=block)
        except ContractLogicError as exc:
            raise self._reverted(exc, fn_call, op=None) from exc

    def address_of(self, sender: Sender) -> str:
        """The checksummed address that ``sender`` sends from."""
        if isinstance(sender, PrivateKey):
            if sender.type is not KeyType.SECP256K1:
                raise ConfigurationError(
                    "unsupported_key_type",
                    "Only a secp256k1 key can sign Ethereum transactions.",
                    details={"key_type": sender.type.value},
                )
            return str(Account.from_key(sender.secret).address)
        return to_checksum_address(sender)

    def transact(
        self,
        fn_call: ContractFunction | ContractConstructor,
        *,
        sender: Sender,
        op: str,
        value: int = 0,
    ) -> TxReceipt:
        """Send ``fn_call`` as a transaction from ``sender``, wait for its receipt, and record
        its gas under ``op`` in ``gas_report``.

        ``sender`` is an unlocked dev account address (``eth_sendTransaction``) or a secp256k1
        ``PrivateKey`` (signed locally, ``eth_sendRawTransaction``).

        Raises VerdictError ``contract_reverted`` (also for a mined transaction with status 0);
        ConfigurationError ``insufficient_funds``, ``transaction_rejected``,
        ``unsupported_key_type``; CouldNotCheckError ``rpc_unavailable``.
        """
        frm = self.address_of(sender)
        tx: TxParams = {"from": frm}
        if value:
            tx["value"] = Wei(value)
        try:
            # The estimate is made against the latest block; in the next one a storage slot
            # the call rewrites may cost more (ERC-1056's ``changed``), so leave a margin.
            tx["gas"] = int(fn_call.estimate_gas(tx) * 1.2) + 2_000
            if isinstance(sender, PrivateKey):
                tx["nonce"] = self.w3.eth.get_transaction_count(to_checksum_address(frm), "pending")
                tx["chainId"] = self.chain_id
                built = fn_call.build_transaction(tx)
                signed = Account.sign_transaction(built, sender.secret)
                tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            else:
                tx_hash = fn_call.transact(tx)
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)
        except ContractLogicError as exc:
            raise self._reverted(exc, fn_call, op=op) from exc
        except Web3RPCError as exc:
            raise self._rejected(exc, frm, op) from exc
        except TimeExhausted as exc:
            raise CouldNotCheckError(
                "rpc_unavailable",
                f"The transaction for {op!r} was not mined within 60 s; is the node mining?",
                details={"op": op},
            ) from exc
        self.gas_report.setdefault(op, []).append(int(receipt["gasUsed"]))
        if receipt["status"] != 1:
            raise VerdictError(
                "contract_reverted",
                f"The transaction for {op!r} was mined but reverted.",
                details={
                    "op": op,
                    "tx_hash": HexBytes(receipt["transactionHash"]).to_0x_hex(),
                    "error": None,
                    "reason": "reverted on chain",
                },
            )
        return receipt

    def _reverted(
        self,
        exc: ContractLogicError,
        fn_call: ContractFunction | ContractConstructor,
        op: str | None,
    ) -> VerdictError:
        data = exc.data if isinstance(exc.data, str) else None
        abi = list(getattr(fn_call, "contract_abi", None) or getattr(fn_call, "abi", None) or [])
        known = abi + [e for e in self._error_abi.values() if e not in abi]
        decoded = decode_revert(data, known)
        if decoded["error"] is None and not data and exc.message:
            decoded["reason"] = str(exc.message)
        function = getattr(fn_call, "fn_name", None) or "constructor"
        subject = f"{op!r}" if op else f"the call to {function}"
        return VerdictError(
            "contract_reverted",
            f"The contract reverted {subject}: {decoded['reason']}.",
            details={"op": op, "function": function, **decoded},
        )

    def _rejected(self, exc: Web3RPCError, frm: str, op: str) -> ConfigurationError:
        text = str(exc.message or exc)
        if "insufficient funds" in text.lower() or "cannot afford" in text.lower():
            return ConfigurationError(
                "insufficient_funds",
                f"Account {frm} cannot pay the gas for {op!r}; fund it first "
                "(Chain.fund on a dev chain).",
                details={"address": frm, "op": op},
            )
        return ConfigurationError(
            "transaction_rejected",
            f"The node refused the transaction for {op!r} from {frm}: {text}",
            details={"address": frm, "op": op, "node_message": text},
        )

    # -- dev chain helpers -------------------------------------------------------------------

    def balance(self, address: str) -> int:
        return int(self.w3.eth.get_balance(to_checksum_address(address)))

    def fund(self, address: str, wei: int) -> None:
        """Make ``address`` hold at least ``wei`` (dev chains only): ``anvil_setBalance`` on
        anvil, else a transfer from the first dev account.

        Raises ConfigurationError ``dev_chain_required`` on a node with neither.
        """
        address = to_checksum_address(address)
        current = self.balance(address)
        if current >= wei:
            return
        if not self.is_embedded:
            response = self.w3.provider.make_request(
                RPCEndpoint("anvil_setBalance"), [address, hex(wei)]
            )
            if "error" not in response:
                return
        accounts = self.accounts
        if not accounts:
            raise ConfigurationError(
                "dev_chain_required",
                "This node has no dev accounts and no anvil_setBalance; fund the account "
                "with a normal transfer.",
                details={"address": address},
            )
        tx_hash = self.w3.eth.send_transaction(
            {"from": accounts[0], "to": address, "value": Wei(wei - current)}
        )
        self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60)

    def block_number(self) -> int:
        return int(self.w3.eth.block_number)

    def block_timestamp(self, block: BlockIdentifier = "latest") -> int:
        """The timestamp (Unix seconds) of ``block``."""
        return int(self.w3.eth.get_block(block)["timestamp"])

    def mine(self, seconds: int = 0) -> None:
        """Move the chain's clock forward by ``seconds`` and mine (at least one block): the
        next blocks have timestamps >= the old latest timestamp + ``seconds``.

        Raises ConfigurationError ``dev_chain_required`` on a node without ``evm_mine``."""
        if seconds:
            self._rpc("evm_increaseTime", [seconds])
        self._rpc("evm_mine", [])

    def snapshot(self) -> Any:
        """Take a snapshot of the chain state (``evm_snapshot``); pass it to ``revert``."""
        return self._rpc("evm_snapshot", [])

    def revert(self, snapshot: Any) -> None:
        """Return to ``snapshot`` (``evm_revert``). Counters are left as they are."""
        self._rpc("evm_revert", [snapshot])

    def _rpc(self, method: str, params: list[Any]) -> Any:
        response = self.w3.provider.make_request(RPCEndpoint(method), params)
        if "error" in response:
            raise ConfigurationError(
                "dev_chain_required",
                f"The node refused {method} ({response['error']}); time travel and snapshots "
                "need a dev chain (anvil or the embedded chain).",
                details={"method": method},
            )
        return response.get("result")

    def __repr__(self) -> str:
        where = self.url if self.is_embedded else _redact_url(self.url)
        return f"Chain({where})"
