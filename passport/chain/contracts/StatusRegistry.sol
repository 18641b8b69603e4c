// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @dev The part of the ERC-1056 registry this contract needs.
interface IIdentityOwner {
    function identityOwner(address identity) external view returns (address);
}

/// @title StatusRegistry
/// @notice Issuers publish the digest, URI and version of each of their status lists,
/// and anchor the Merkle roots of their issuance batches. Only hashes go on chain:
/// never a credential, never personal data.
/// @dev An issuer is its did:ethr identity address; a write on its behalf must come
/// from the identity's current owner according to the DID registry, so rotating the
/// did:ethr owner also rotates who may publish. A batch is ONE storage slot keyed by
/// its root (issuer | leafCount | blockNumber packed), which keeps a single anchor at
/// about the cost of one fresh SSTORE plus the transaction itself.
contract StatusRegistry {
    struct StatusList {
        bytes32 digest;
        uint64 version;
        uint64 blockNumber;
        string uri;
    }

    /// @notice The ERC-1056 registry that says who owns an issuer identity.
    IIdentityOwner public immutable didRegistry;

    mapping(address => mapping(bytes32 => StatusList)) private _lists;
    /// @dev root => issuer (bits 0-159) | leafCount (bits 160-191) | blockNumber (bits 192-255).
    mapping(bytes32 => uint256) private _batches;

    event StatusListPublished(
        address indexed issuer,
        bytes32 indexed listId,
        bytes32 digest,
        string uri,
        uint64 version
    );

    event BatchAnchored(
        address indexed issuer,
        bytes32 indexed root,
        uint32 leafCount,
        uint64 blockNumber
    );

    /// @notice The caller is not the current owner of the issuer identity.
    error NotIssuerOwner(address issuer, address caller);
    /// @notice A status list version must be greater than the one published before.
    error VersionNotIncreasing(bytes32 listId, uint64 current, uint64 given);
    /// @notice This root is already anchored (by this or another issuer).
    error BatchAlreadyAnchored(bytes32 root);
    /// @notice A batch needs a non-zero root and at least one leaf.
    error InvalidBatch(bytes32 root, uint32 leafCount);

    constructor(address didRegistry_) {
        didRegistry = IIdentityOwner(didRegistry_);
    }

    modifier onlyIssuerOwner(address issuer) {
        if (didRegistry.identityOwner(issuer) != msg.sender) {
            revert NotIssuerOwner(issuer, msg.sender);
        }
        _;
    }

    /// @notice Publishes a new version of the issuer's status list `listId`.
    function publishStatusList(
        address issuer,
        bytes32 listId,
        bytes32 digest,
        string calldata uri,
        uint64 version
    ) external onlyIssuerOwner(issuer) {
        StatusList storage list = _lists[issuer][listId];
        if (version <= list.version) {
            revert VersionNotIncreasing(listId, list.version, version);
        }
        list.digest = digest;
        list.version = version;
        list.blockNumber = uint64(block.number);
        list.uri = uri;
        emit StatusListPublished(issuer, listId, digest, uri, version);
    }

    /// @notice The latest published state of a status list (version 0: never published).
    function statusList(
        address issuer,
        bytes32 listId
    ) external view returns (bytes32 digest, string memory uri, uint64 version, uint64 blockNumber) {
        StatusList storage list = _lists[issuer][listId];
        return (list.digest, list.uri, list.version, list.blockNumber);
    }

    /// @notice Anchors the Merkle root of an issuance batch of `leafCount` credentials.
    function anchorBatch(
        address issuer,
        bytes32 root,
        uint32 leafCount
    ) external onlyIssuerOwner(issuer) {
        if (root == bytes32(0) || leafCount == 0) {
            revert InvalidBatch(root, leafCount);
        }
        if (_batches[root] != 0) {
            revert BatchAlreadyAnchored(root);
        }
        _batches[root] =
            uint256(uint160(issuer)) |
            (uint256(leafCount) << 160) |
            (uint256(block.number) << 192);
        emit BatchAnchored(issuer, root, leafCount, uint64(block.number));
    }

    /// @notice Who anchored `root`, how many leaves it has and in which block
    /// (all zero when the root was never anchored).
    function batch(
        bytes32 root
    ) public view returns (address issuer, uint32 leafCount, uint64 blockNumber) {
        uint256 packed = _batches[root];
        issuer = address(uint160(packed));
        leafCount = uint32(packed >> 160);
        blockNumber = uint64(packed >> 192);
    }

    /// @notice Checks a Merkle inclusion proof with sorted-pair keccak256 hashing
    /// (the scheme of OpenZeppelin's MerkleProof and of passport.chain.merkle).
    function verifyInclusion(
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof
    ) public pure returns (bool) {
        bytes32 node = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 sibling = proof[i];
            node = node < sibling
                ? keccak256(abi.encodePacked(node, sibling))
                : keccak256(abi.encodePacked(sibling, node));
        }
        return node == root;
    }

    /// @notice Whether `leaf` belongs to a batch that `issuer` anchored under `root`.
    function verifyAnchored(
        address issuer,
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof
    ) external view returns (bool) {
        (address anchoredBy, , ) = batch(root);
        return anchoredBy != address(0) && anchoredBy == issuer && verifyInclusion(root, leaf, proof);
    }
}
