// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title TrustRegistry
/// @notice Who may issue which credentials: a root authority (the regulator) appoints
/// accreditors; the root or an accreditor accredits an issuer (its did:ethr identity
/// address) for a set of credential types in one jurisdiction for a validity window,
/// and may suspend, reinstate and revoke it.
/// @dev Nothing is ever overwritten, so "was issuer X accredited for type T at time t"
/// has one stable answer for any past t:
///  - an issuer has a list of accreditations; each one covers its types from validFrom
///    (inclusive) to validUntil (exclusive) and, once revoked, up to revokedAt (exclusive);
///    it never counts before the block that recorded it (a validFrom in the past takes
///    effect at recordedAt), so nothing written today changes the answer for a past time;
///  - an issuer has a list of suspension intervals [start, end); an open one ends at
///    type(uint64).max; while suspended no accreditation of the issuer counts;
///  - revoke ends every accreditation of the issuer (and an open suspension) now; a later
///    accredit starts a new accreditation.
/// The events replay the same history. Credential type ids are keccak256(bytes(typeName)),
/// jurisdictions ISO 3166-1 alpha-2 codes as two ASCII capitals (bytes2("FR")), times are
/// Unix seconds (block timestamps).
contract TrustRegistry {
    struct Accreditation {
        bytes32[] credentialTypes;
        bytes2 jurisdiction;
        uint64 validFrom;
        uint64 validUntil;
        uint64 revokedAt; // 0: not revoked
        uint64 recordedAt;
        address accreditedBy;
    }

    struct Suspension {
        uint64 start;
        uint64 end; // type(uint64).max while open
        address suspendedBy;
    }

    /// @notice The answer of `status`, most specific reason first.
    enum Status {
        NotAccredited,
        Accredited,
        NotYetValid,
        Expired,
        Suspended,
        Revoked
    }

    uint64 private constant OPEN = type(uint64).max;

    /// @notice The root authority (the regulator).
    address public root;
    /// @notice Whether an address is a currently appointed accreditor.
    mapping(address => bool) public isAccreditor;

    mapping(address => Accreditation[]) private _accreditations;
    mapping(address => Suspension[]) private _suspensions;

    event RootTransferred(address indexed previousRoot, address indexed newRoot);
    event AccreditorAppointed(address indexed accreditor, address indexed by);
    event AccreditorRemoved(address indexed accreditor, address indexed by);
    event Accredited(
        address indexed issuer,
        uint256 indexed accreditationId,
        bytes32[] credentialTypes,
        bytes2 jurisdiction,
        uint64 validFrom,
        uint64 validUntil,
        address indexed by
    );
    event Suspended(address indexed issuer, address indexed by, uint64 at, string reason);
    event Reinstated(address indexed issuer, address indexed by, uint64 at);
    event Revoked(address indexed issuer, address indexed by, uint64 at, string reason);

    /// @notice Only the root authority may do this.
    error NotRoot(address caller);
    /// @notice Only the root authority or an appointed accreditor may do this.
    error NotAuthorised(address caller);
    error ZeroAddress();
    error AlreadyAccreditor(address accreditor);
    error NotAnAccreditor(address accreditor);
    error NoCredentialTypes();
    error InvalidJurisdiction(bytes2 jurisdiction);
    error InvalidValidity(uint64 validFrom, uint64 validUntil);
    /// @notice The issuer has no accreditation that is not revoked.
    error NotAccredited(address issuer);
    error AlreadySuspended(address issuer);
    error NotSuspended(address issuer);

    modifier onlyRoot() {
        if (msg.sender != root) revert NotRoot(msg.sender);
        _;
    }

    modifier onlyAuthority() {
        if (msg.sender != root && !isAccreditor[msg.sender]) revert NotAuthorised(msg.sender);
        _;
    }

    constructor() {
        root = msg.sender;
        emit RootTransferred(address(0), msg.sender);
    }

    // ----------------------------------------------------------------- governance

    function transferRoot(address newRoot) external onlyRoot {
        if (newRoot == address(0)) revert ZeroAddress();
        emit RootTransferred(root, newRoot);
        root = newRoot;
    }

    function appointAccreditor(address accreditor) external onlyRoot {
        if (accreditor == address(0)) revert ZeroAddress();
        if (isAccreditor[accreditor]) revert AlreadyAccreditor(accreditor);
        isAccreditor[accreditor] = true;
        emit AccreditorAppointed(accreditor, msg.sender);
    }

    function removeAccreditor(address accreditor) external onlyRoot {
        if (!isAccreditor[accreditor]) revert NotAnAccreditor(accreditor);
        isAccreditor[accreditor] = false;
        emit AccreditorRemoved(accreditor, msg.sender);
    }

    // ------------------------------------------------------------- accreditation

    /// @notice Accredits `issuer` for `credentialTypes` in `jurisdiction` over
    /// [validFrom, validUntil); returns the new accreditation's id (its index).
    function accredit(
        address issuer,
        bytes32[] calldata credentialTypes,
        bytes2 jurisdiction,
        uint64 validFrom,
        uint64 validUntil
    ) external onlyAuthority returns (uint256 accreditationId) {
        if (issuer == address(0)) revert ZeroAddress();
        if (credentialTypes.length == 0) revert NoCredentialTypes();
        if (!_isAlpha2(jurisdiction)) revert InvalidJurisdiction(jurisdiction);
        if (validUntil <= validFrom || validUntil <= block.timestamp) {
            revert InvalidValidity(validFrom, validUntil);
        }
        Accreditation[] storage list = _accreditations[issuer];
        accreditationId = list.length;
        Accreditation storage record = list.push();
        record.credentialTypes = credentialTypes;
        record.jurisdiction = jurisdiction;
        record.validFrom = validFrom;
        record.validUntil = validUntil;
        record.recordedAt = uint64(block.timestamp);
        record.accreditedBy = msg.sender;
        emit Accredited(
            issuer,
            accreditationId,
            credentialTypes,
            jurisdiction,
            validFrom,
            validUntil,
            msg.sender
        );
    }

    /// @notice Suspends every accreditation of `issuer` from now until `reinstate`.
    function suspend(address issuer, string calldata reason) external onlyAuthority {
        if (!_hasUnrevoked(issuer)) revert NotAccredited(issuer);
        if (_isSuspended(issuer)) revert AlreadySuspended(issuer);
        _suspensions[issuer].push(Suspension(uint64(block.timestamp), OPEN, msg.sender));
        emit Suspended(issuer, msg.sender, uint64(block.timestamp), reason);
    }

    /// @notice Ends the open suspension of `issuer` now.
    function reinstate(address issuer) external onlyAuthority {
        if (!_isSuspended(issuer)) revert NotSuspended(issuer);
        Suspension[] storage list = _suspensions[issuer];
        list[list.length - 1].end = uint64(block.timestamp);
        emit Reinstated(issuer, msg.sender, uint64(block.timestamp));
    }

    /// @notice Ends every accreditation of `issuer` now (and closes an open suspension,
    /// so that a later accreditation starts clean).
    function revoke(address issuer, string calldata reason) external onlyAuthority {
        Accreditation[] storage list = _accreditations[issuer];
        uint64 nowTs = uint64(block.timestamp);
        bool any = false;
        for (uint256 i = 0; i < list.length; i++) {
            if (list[i].revokedAt == 0) {
                list[i].revokedAt = nowTs;
                any = true;
            }
        }
        if (!any) revert NotAccredited(issuer);
        if (_isSuspended(issuer)) {
            Suspension[] storage suspensions = _suspensions[issuer];
            suspensions[suspensions.length - 1].end = nowTs;
        }
        emit Revoked(issuer, msg.sender, nowTs, reason);
    }

    // --------------------------------------------------------------------- views

    /// @notice Was `issuer` accredited for `credentialType` at time `at` (Unix seconds)?
    function isAccredited(
        address issuer,
        bytes32 credentialType,
        uint64 at
    ) external view returns (bool) {
        return status(issuer, credentialType, at) == Status.Accredited;
    }

    /// @notice Why `issuer` was or was not accredited for `credentialType` at `at`.
    /// Accredited when an accreditation covering the type was in force and the issuer
    /// was not suspended (else Suspended). Otherwise the state of the covering
    /// accreditation that started last before `at` (Revoked or Expired), else
    /// NotYetValid when one starts later, else NotAccredited. An accreditation starts at
    /// max(validFrom, recordedAt).
    function status(
        address issuer,
        bytes32 credentialType,
        uint64 at
    ) public view returns (Status) {
        Accreditation[] storage list = _accreditations[issuer];
        Status latest = Status.NotAccredited;
        uint64 latestFrom = 0;
        bool started = false;
        for (uint256 i = 0; i < list.length; i++) {
            Accreditation storage record = list[i];
            if (!_covers(record, credentialType)) continue;
            uint64 from = record.validFrom > record.recordedAt
                ? record.validFrom
                : record.recordedAt;
            if (at < from) {
                if (!started) latest = Status.NotYetValid;
                continue;
            }
            bool revoked = record.revokedAt != 0 && at >= record.revokedAt;
            if (!revoked && at < record.validUntil) {
                return _suspendedAt(issuer, at) ? Status.Suspended : Status.Accredited;
            }
            if (!started || from >= latestFrom) {
                started = true;
                latestFrom = from;
                latest = revoked ? Status.Revoked : Status.Expired;
            }
        }
        return latest;
    }

    /// @notice Whether `issuer` is suspended right now.
    function isSuspended(address issuer) external view returns (bool) {
        return _isSuspended(issuer);
    }

    function accreditationCount(address issuer) external view returns (uint256) {
        return _accreditations[issuer].length;
    }

    function accreditationAt(
        address issuer,
        uint256 accreditationId
    ) external view returns (Accreditation memory) {
        return _accreditations[issuer][accreditationId];
    }

    /// @notice The latest accreditation of `issuer` (reverts NotAccredited if none).
    function accreditation(address issuer) external view returns (Accreditation memory) {
        Accreditation[] storage list = _accreditations[issuer];
        if (list.length == 0) revert NotAccredited(issuer);
        return list[list.length - 1];
    }

    function suspensionCount(address issuer) external view returns (uint256) {
        return _suspensions[issuer].length;
    }

    function suspensionAt(
        address issuer,
        uint256 index
    ) external view returns (Suspension memory) {
        return _suspensions[issuer][index];
    }

    // ------------------------------------------------------------------ internal

    function _covers(
        Accreditation storage record,
        bytes32 credentialType
    ) private view returns (bool) {
        bytes32[] storage types = record.credentialTypes;
        for (uint256 j = 0; j < types.length; j++) {
            if (types[j] == credentialType) return true;
        }
        return false;
    }

    function _suspendedAt(address issuer, uint64 at) private view returns (bool) {
        Suspension[] storage list = _suspensions[issuer];
        for (uint256 i = 0; i < list.length; i++) {
            if (list[i].start <= at && at < list[i].end) return true;
        }
        return false;
    }

    function _isSuspended(address issuer) private view returns (bool) {
        Suspension[] storage list = _suspensions[issuer];
        return list.length != 0 && list[list.length - 1].end == OPEN;
    }

    function _hasUnrevoked(address issuer) private view returns (bool) {
        Accreditation[] storage list = _accreditations[issuer];
        for (uint256 i = 0; i < list.length; i++) {
            if (list[i].revokedAt == 0) return true;
        }
        return false;
    }

    function _isAlpha2(bytes2 code) private pure returns (bool) {
        uint8 a = uint8(code[0]);
        uint8 b = uint8(code[1]);
        return a >= 0x41 && a <= 0x5A && b >= 0x41 && b <= 0x5A;
    }
}
