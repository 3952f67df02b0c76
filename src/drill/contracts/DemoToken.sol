// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title Demo Token (DEMO)
/// @notice The asset the drill's vault holds. 18 decimals; only the deployer (owner) mints.
contract DemoToken is ERC20, Ownable {
    constructor() ERC20("Demo Token", "DEMO") Ownable(msg.sender) {}

    /// @notice Mints `amount` to `to`. Only the owner (the deployer) may mint.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
