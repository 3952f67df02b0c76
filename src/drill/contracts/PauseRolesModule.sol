// SPDX-License-Identifier: LGPL-3.0-only
pragma solidity ^0.8.24;

import {Enum} from "@gnosis.pm/safe-contracts/contracts/common/Enum.sol";
import {Module} from "@gnosis.pm/zodiac/contracts/core/Module.sol";

/// @title PauseRolesModule
/// @notice A stand-in for the Zodiac Roles v2 modifier in warden's tests and drills (the Roles bytecode is not
///         on npm). It speaks the same `execTransactionWithRole` and the same admin functions and errors for the
///         subset a pause-only role needs: enabled member modules, role membership, and a (target, selector)
///         allowlist per role. A call that passes every check is executed by the avatar (a Safe) through
///         `execTransactionFromModule`.
/// @dev    Stricter than Roles: it never allows sending value or delegatecall, whatever `options` says, and it
///         has no parameter conditions or allowances. Errors mirror Roles v2: NotAuthorized(sender) for a caller
///         that is not an enabled module, NoMembership() for a module without the role, and
///         ConditionViolation(status, info) with Roles v2's Status numbers for a call the role may not make.
contract PauseRolesModule is Module {
    /// @dev The first values of Roles v2's Status enum (the rest concern parameter conditions and allowances).
    enum Status {
        Ok,
        DelegateCallNotAllowed,
        TargetAddressNotAllowed,
        FunctionNotAllowed,
        SendNotAllowed
    }

    /// @dev Roles v2's ExecutionOptions; accepted by allowFunction for ABI compatibility, never widens a call here.
    enum ExecutionOptions {
        None,
        Send,
        DelegateCall,
        Both
    }

    address internal constant SENTINEL_MODULES = address(0x1);

    /// @dev Enabled modules as a linked list, like Zodiac's Modifier (SENTINEL -> first -> ... -> SENTINEL).
    mapping(address module => address next) internal modules;
    mapping(bytes32 roleKey => mapping(address module => bool)) internal members;
    mapping(bytes32 roleKey => mapping(address target => mapping(bytes4 selector => bool))) internal allowedFunctions;

    event RolesModSetup(address indexed initiator, address indexed owner, address indexed avatar, address target);
    event EnabledModule(address module);
    event DisabledModule(address module);
    event AssignRoles(address module, bytes32[] roleKeys, bool[] memberOf);
    event AllowFunction(bytes32 roleKey, address targetAddress, bytes4 selector, ExecutionOptions options);
    event RevokeFunction(bytes32 roleKey, address targetAddress, bytes4 selector);

    error NotAuthorized(address sender);
    error NoMembership();
    error ConditionViolation(Status status, bytes32 info);
    error FunctionSignatureTooShort();
    error ModuleTransactionFailed();
    error ArraysDifferentLength();
    error InvalidModule(address module);
    error AlreadyEnabledModule(address module);
    error AlreadyDisabledModule(address module);

    /// @param _owner  may change modules, roles and allowed functions
    /// @param _avatar the Safe whose assets and powers the module acts for
    /// @param _target the contract that executes the calls (the same Safe, unless another modifier sits between)
    constructor(address _owner, address _avatar, address _target) {
        setUp(abi.encode(_owner, _avatar, _target));
    }

    /// @dev Zodiac's factory-friendly initializer: abi.encode(owner, avatar, target).
    function setUp(bytes memory initParams) public override initializer {
        (address _owner, address _avatar, address _target) = abi.decode(initParams, (address, address, address));
        __Ownable_init(msg.sender);
        setAvatar(_avatar);
        setTarget(_target);
        modules[SENTINEL_MODULES] = SENTINEL_MODULES;
        transferOwnership(_owner);
        emit RolesModSetup(msg.sender, _owner, _avatar, _target);
    }

    function enableModule(address module) public onlyOwner {
        if (module == address(0) || module == SENTINEL_MODULES) revert InvalidModule(module);
        if (modules[module] != address(0)) revert AlreadyEnabledModule(module);
        modules[module] = modules[SENTINEL_MODULES];
        modules[SENTINEL_MODULES] = module;
        emit EnabledModule(module);
    }

    function disableModule(address prevModule, address module) public onlyOwner {
        if (module == address(0) || module == SENTINEL_MODULES) revert InvalidModule(module);
        if (modules[prevModule] != module) revert AlreadyDisabledModule(module);
        modules[prevModule] = modules[module];
        modules[module] = address(0);
        emit DisabledModule(module);
    }

    function isModuleEnabled(address _module) public view returns (bool) {
        return _module != SENTINEL_MODULES && modules[_module] != address(0);
    }

    /// @notice Grants or revokes roles of `module`, and enables it if it is not yet (as Roles v2 does).
    function assignRoles(address module, bytes32[] calldata roleKeys, bool[] calldata memberOf) external onlyOwner {
        if (roleKeys.length != memberOf.length) revert ArraysDifferentLength();
        for (uint256 i = 0; i < roleKeys.length; ++i) {
            members[roleKeys[i]][module] = memberOf[i];
        }
        if (!isModuleEnabled(module)) enableModule(module);
        emit AssignRoles(module, roleKeys, memberOf);
    }

    function allowFunction(bytes32 roleKey, address targetAddress, bytes4 selector, ExecutionOptions options) external onlyOwner {
        allowedFunctions[roleKey][targetAddress][selector] = true;
        emit AllowFunction(roleKey, targetAddress, selector, options);
    }

    function revokeFunction(bytes32 roleKey, address targetAddress, bytes4 selector) external onlyOwner {
        delete allowedFunctions[roleKey][targetAddress][selector];
        emit RevokeFunction(roleKey, targetAddress, selector);
    }

    /// @notice Has the avatar call `to` with `data` when the caller is an enabled module holding `roleKey` and
    ///         the role may call that function on `to`; reverts before any call otherwise.
    /// @param shouldRevert revert with ModuleTransactionFailed() when the avatar's call fails, instead of returning false
    function execTransactionWithRole(
        address to,
        uint256 value,
        bytes calldata data,
        Enum.Operation operation,
        bytes32 roleKey,
        bool shouldRevert
    ) public returns (bool success) {
        if (!isModuleEnabled(msg.sender)) revert NotAuthorized(msg.sender);
        if (!members[roleKey][msg.sender]) revert NoMembership();
        if (operation != Enum.Operation.Call) revert ConditionViolation(Status.DelegateCallNotAllowed, bytes32(0));
        if (value != 0) revert ConditionViolation(Status.SendNotAllowed, bytes32(0));
        if (data.length < 4) revert FunctionSignatureTooShort();
        if (!allowedFunctions[roleKey][to][bytes4(data)]) revert ConditionViolation(Status.FunctionNotAllowed, bytes32(0));
        success = exec(to, value, data, operation);
        if (shouldRevert && !success) revert ModuleTransactionFailed();
    }
}
