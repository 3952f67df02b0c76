// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title DemoVault
/// @notice A minimal deposit vault for warden's drill: users deposit an ERC20 and withdraw their own deposits.
///         A guardian holding PAUSER_ROLE can pause it; only the admin (DEFAULT_ADMIN_ROLE) can unpause.
/// @dev    DELIBERATELY VULNERABLE — see `withdrawTo`. Never deploy this anywhere but a local drill chain.
contract DemoVault is AccessControl, Pausable {
    using SafeERC20 for IERC20;

    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");

    /// @notice The token this vault holds.
    IERC20 public immutable asset;

    /// @notice Each account's deposit, in `asset` units.
    mapping(address account => uint256) public depositOf;

    /// @notice Sum of all deposits, in `asset` units.
    uint256 public totalDeposits;

    event Deposit(address indexed account, uint256 amount);
    event Withdraw(address indexed account, address indexed to, uint256 amount);

    error ZeroAmount();
    error InsufficientDeposit(address account, uint256 requested, uint256 available);

    /// @param asset_   the ERC20 users deposit
    /// @param admin    receives DEFAULT_ADMIN_ROLE (may unpause and manage roles)
    /// @param guardian receives PAUSER_ROLE, unless it is the zero address (the admin may grant it later)
    constructor(IERC20 asset_, address admin, address guardian) {
        asset = asset_;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        if (guardian != address(0)) _grantRole(PAUSER_ROLE, guardian);
    }

    /// @notice Deposits `amount` of `asset` from the caller (who must have approved the vault).
    function deposit(uint256 amount) external whenNotPaused {
        if (amount == 0) revert ZeroAmount();
        depositOf[msg.sender] += amount;
        totalDeposits += amount;
        asset.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposit(msg.sender, amount);
    }

    /// @notice Withdraws `amount` of the caller's own deposit to the caller.
    function withdraw(uint256 amount) external whenNotPaused {
        _withdraw(msg.sender, msg.sender, amount);
    }

    /// @notice Withdraws `amount` of `account`'s deposit to `to`. Added "for integrators" (routers and
    ///         zaps that withdraw on a user's behalf).
    /// @dev    THE DRILL'S DELIBERATE VULNERABILITY: this function never checks that msg.sender is
    ///         `account` (nor any allowance `account` granted to msg.sender), so anyone can move anyone's
    ///         deposit to any address. warden's drill attacker drains the vault through it, one slice per
    ///         block, until the guardian pauses the vault. The fix would be
    ///         `if (msg.sender != account) revert ...;` or a per-account operator allowance.
    function withdrawTo(address account, address to, uint256 amount) external whenNotPaused {
        _withdraw(account, to, amount);
    }

    /// @notice Stops deposits and withdrawals. Only PAUSER_ROLE (the guardian).
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes deposits and withdrawals. Only DEFAULT_ADMIN_ROLE — a human decision, never the guardian's.
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    function _withdraw(address account, address to, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        uint256 available = depositOf[account];
        if (amount > available) revert InsufficientDeposit(account, amount, available);
        depositOf[account] = available - amount;
        totalDeposits -= amount;
        asset.safeTransfer(to, amount);
        emit Withdraw(account, to, amount);
    }
}
